import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, servicesYml, startHarness, USERS } from '../support/harness.js';
import { startHealthTarget } from '../support/targets.js';

/**
 * One outage of a service seen by two senders: Alertmanager's `ApiDown` (the demo's alert, in the shape of the
 * captured webhook in test/fixtures) and Opsdeck's own scheduled check of the same service.
 */
const TOKEN = 'related-webhook-token-0123456789';

/** The captured Alertmanager webhook, as the demo's alert sender makes it: `ApiDown` for service `api`. */
function apiDown(status: 'firing' | 'resolved', groupKey: string) {
  const body = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8')) as {
    alerts: Record<string, unknown>[];
  };
  const labels = { alertname: 'ApiDown', service: 'api', severity: 'critical', instance: 'demo-api' };
  return {
    ...body,
    status,
    groupKey,
    groupLabels: { alertname: 'ApiDown' },
    commonLabels: labels,
    alerts: [{ ...body.alerts[0], status, labels, startsAt: '2026-12-06T10:00:00Z', fingerprint: 'd3a0a11ce0000001' }],
  };
}

async function outage(relate: string) {
  const target = await startHealthTarget();
  const h = await startHarness({
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: `${servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${target.url}/healthz", interval: 1s, failuresBeforeAlert: 2, severity: critical }
`)}
alerts:${relate}
`,
  });
  const send = async (body: unknown) => {
    const res = await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(202);
  };
  return {
    h,
    send,
    setHealthy: target.setHealthy,
    /** Top-level messages about the outage, as a member sees the channel. */
    topLevel: () =>
      h.slack.state
        .visibleMessages(CHANNEL, USERS.alice)
        .filter((m) => !m.threadTs && /ApiDown|api\/http failing/.test(m.text)),
    close: async () => {
      await h.close();
      await target.close();
    },
  };
}

describe('one outage, one alert', () => {
  let o: Awaited<ReturnType<typeof outage>>;
  beforeAll(async () => {
    o = await outage(' { relate: { by: [service], window: 10m } }');
  });
  afterAll(() => o?.close());

  it('puts the check’s alert in the thread of ApiDown, keeps "also firing" current, and resolves each on its own', async () => {
    const { h } = o;
    await o.send(apiDown('firing', '{}:{alertname="ApiDown"}'));
    const lead = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && !c.params.thread_ts && String(c.params.text).includes('ApiDown'),
    );
    const ts = (lead.response as { ts: string }).ts;

    o.setHealthy(false);
    const joined = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
      15_000,
    );
    expect(joined.params.thread_ts).toBe(ts);
    expect(String(joined.params.text)).toBe('FIRING [critical] api/http failing — 1 firing, 0 resolved');
    const said = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Also firing'),
    );
    expect(JSON.stringify(said.params.blocks)).toContain('Also firing: *api/http failing* — in the thread');
    expect(String(said.params.text)).toContain('FIRING [critical] ApiDown');
    expect(o.topLevel()).toHaveLength(1);

    // The check passes again: its own message in the thread resolves, and the lead says so; ApiDown still fires.
    o.setHealthy(true);
    const checkTs = (joined.response as { ts: string }).ts;
    await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === checkTs && String(c.params.text).startsWith('RESOLVED'),
      15_000,
    );
    const line = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('Resolved'),
    );
    expect(String(line.params.text)).toMatch(/^\*api\/http failing\*: :white_check_mark: Resolved/);
    const after = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.params.ts === ts &&
        JSON.stringify(c.params.blocks).includes('Related, resolved: *api/http failing*'),
    );
    expect(String(after.params.text)).toContain('FIRING [critical] ApiDown');

    await o.send(apiDown('resolved', '{}:{alertname="ApiDown"}'));
    const resolved = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
    );
    expect(String(resolved.params.text)).toBe('RESOLVED [critical] ApiDown — 0 firing, 1 resolved');
    expect(o.topLevel()).toHaveLength(1);
  });
});

describe('with alerts.relate off', () => {
  let o: Awaited<ReturnType<typeof outage>>;
  beforeAll(async () => {
    o = await outage(' { relate: false }');
  });
  afterAll(() => o?.close());

  it('posts the same outage as two top-level messages, as before', async () => {
    const { h } = o;
    await o.send(apiDown('firing', '{}:{alertname="ApiDown"}'));
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && !c.params.thread_ts && String(c.params.text).includes('ApiDown'),
    );
    o.setHealthy(false);
    const check = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
      15_000,
    );
    expect(check.params.thread_ts).toBeUndefined();
    expect(o.topLevel()).toHaveLength(2);
    expect(JSON.stringify(h.slack.calls.filter((c) => c.method === 'chat.update'))).not.toContain('Also firing');
  });
});
