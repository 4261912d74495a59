import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness } from '../support/harness.js';

/**
 * The delivery figures count until Slack has the write, not until the outbox has it: an alert held on its way to
 * Slack is not yet delivered in /metrics, and is once Slack took it.
 */
const TOKEN = 'test-webhook-token-0123456789';
const OPS_YML = `
slack:
  alertsChannel: ${CHANNEL}
roles:
  admin: [U0ADMIN]
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ opsYml: OPS_YML, env: { WEBHOOK_TOKEN: TOKEN } });
});
afterAll(() => h.close());

const send = (body: unknown) =>
  fetch(`${h.opsdeck.url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const metrics = () => fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
/** A histogram's `_count` line in the exposition, 0 when the series has none yet. */
const countOf = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
};
const ALERTS = 'opsdeck_alerts_delivery_seconds_count';
const writes = (method: string) => `opsdeck_slack_write_seconds_count{method="${method}"}`;

describe('delivery measured to Slack', () => {
  it('counts an alert delivered once Slack took its message, and every Slack write by method', async () => {
    const firing = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8')) as {
      alerts: Record<string, unknown>[];
    };
    const body = { ...firing, groupKey: '{}:{alertname="High CPU Temperature"}' };
    const hold = h.slack.faults.hold('chat.postMessage');
    const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));
    expect((await send(body)).status).toBe(202);
    await held;
    // The outbox has the post, Slack not yet: nothing is delivered.
    let text = await metrics();
    expect(countOf(text, ALERTS)).toBe(0);
    expect(countOf(text, writes('chat.postMessage'))).toBe(0);
    hold.release();

    await vi.waitFor(async () => expect(countOf(await metrics(), ALERTS)).toBe(1), { timeout: 20_000 });
    expect(countOf(await metrics(), writes('chat.postMessage'))).toBe(1);

    // The resolve edits the message (an alert delivery) and adds a line to its thread (a write, no alert of its own).
    const resolved = {
      ...body,
      status: 'resolved',
      alerts: body.alerts.map((a) => ({ ...a, status: 'resolved', endsAt: '2020-02-06T00:27:58Z' })),
    };
    expect((await send(resolved)).status).toBe(202);
    await vi.waitFor(
      async () => {
        text = await metrics();
        expect(countOf(text, writes('chat.update'))).toBe(1);
        expect(countOf(text, writes('chat.postMessage'))).toBe(2);
      },
      { timeout: 20_000 },
    );
    expect(countOf(text, ALERTS)).toBe(2);
    expect(text).toContain(
      '# HELP opsdeck_slack_write_seconds From a write being asked of the outbox to Slack taking it',
    );
  });
});
