import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedCall } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * Lone UTF-16 surrogates (valid in JSON: `"\ud83d"`) through every way text comes in — webhooks over HTTP, and
 * commands, buttons, modals and shortcuts as JSON over Socket Mode, where form encoding cannot replace them — then
 * acknowledged, resolved and declared: everything works, and nothing Opsdeck sends Slack holds a lone surrogate.
 */
const LONE = '\ud83d';
const TOKEN = 'well-formed-test-webhook-token';
const WAIT = { timeout: 15_000, interval: 20 };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    socketMode: true,
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: `
slack: { alertsChannel: ${CHANNEL}, incidentsChannel: ${CHANNEL} }
roles:
  responder: ["*"]
incidents:
  severities: { sev1: {}, sev2: {} }
`,
  });
});
afterAll(() => h.close());

const send = (path: string, body: unknown) =>
  fetch(`${h.opsdeck.url}/webhooks/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    // JSON.stringify writes a lone surrogate as the escape `\ud83d`, as a hostile sender would.
    body: JSON.stringify(body),
  });

const callAfter = (before: number, predicate: (c: RecordedCall) => boolean) =>
  h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && predicate(c), 15_000);

/** Every string in what Opsdeck sent Slack, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push(key);
      strings(item, out);
    }
  }
  return out;
}

const select = (value: string) => ({ type: 'static_select', selected_option: { value } });

describe('lone surrogates', () => {
  it('in an Alertmanager group: posted, acknowledged and resolved', async () => {
    const firing = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8'));
    const body = {
      ...firing,
      groupKey: `{}:{alertname="Disk ${LONE} full"}`,
      commonLabels: {},
      alerts: firing.alerts.map((alert: { labels: Record<string, string> }) => ({
        ...alert,
        labels: { ...alert.labels, alertname: `Disk ${LONE} full`, [`te${LONE}am`]: `db${LONE}` },
        annotations: { summary: `disk ${LONE} full`, description: `at 99% ${LONE}` },
      })),
    };
    expect((await send('alertmanager', body)).status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Disk'),
      15_000,
    );
    expect(String(post.params.text)).toContain('Disk \ufffd full');
    const ts = (post.response as { ts: string }).ts;

    const before = h.slack.calls.length;
    await h.slack.sendBlockAction({ userId: USERS.alice, channelId: CHANNEL, messageTs: ts, actionId: 'alerts_ack' });
    const acked = await callAfter(before, (c) => c.method === 'chat.update' && c.params.ts === ts);
    expect(JSON.stringify(acked.params.blocks)).toContain(`Acknowledged by <@${USERS.alice}>`);

    const resolved = {
      ...body,
      status: 'resolved',
      alerts: body.alerts.map((a: object) => ({ ...a, status: 'resolved' })),
    };
    expect((await send('alertmanager', resolved)).status).toBe(202);
    await callAfter(
      before,
      (c) => c.method === 'chat.update' && c.params.ts === ts && /RESOLVED/.test(String(c.params.text)),
    );
  });

  it('in a generic webhook, a command, a modal and a shortcut: incidents are declared with channel, topic and card', async () => {
    expect((await send('generic', { title: `Queue ${LONE} stuck`, status: 'firing', severity: LONE })).status).toBe(
      202,
    );
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Queue'),
      15_000,
    );

    // A command: its text arrives as JSON over Socket Mode, lone surrogate and all.
    await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: `incident declare sev2 Cache ${LONE} cold`,
    });
    // A modal, with the surrogate in the title and the description.
    let before = h.slack.calls.length;
    await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'incident' });
    const opened = await callAfter(before, (c) => c.method === 'views.open');
    await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: (opened.response.view as { id: string }).id,
      values: {
        title: { title: `Search ${LONE} slow` },
        severity: { severity: select('sev1') },
        description: { description: `p99 ${LONE} 4s` },
      },
    });
    // A message shortcut on a message whose first line has an emoji across the title's 100-character cut.
    const said = h.slack.state.addMessage({ channel: CHANNEL, user: USERS.lead, text: `${'w'.repeat(99)}😀 webhooks` });
    before = h.slack.calls.length;
    await h.slack.messageShortcut({
      userId: USERS.alice,
      channelId: CHANNEL,
      ts: said.ts,
      callbackId: 'incidents:declare-from-message',
    });
    const fromMessage = await callAfter(before, (c) => c.method === 'views.open');
    await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: (fromMessage.response.view as { id: string }).id,
      values: { severity: { severity: select('sev2') } },
    });

    for (const slug of ['-cache-cold', '-search-slow', `-${'w'.repeat(40)}`]) {
      await vi.waitFor(() => {
        const channel = [...h.slack.state.channels.values()].find((c) => c.name.includes(slug));
        expect(channel, slug).toBeDefined();
        expect(channel!.topic.value).toMatch(/^SEV\d/);
        expect(h.slack.state.pins.get(channel!.id)?.size ?? 0).toBeGreaterThan(0);
      }, WAIT);
    }
    // Nothing Opsdeck sent Slack holds a lone surrogate.
    const sent = h.slack.calls.filter((c) => c.method !== 'response_url').flatMap((c) => strings(c.params));
    expect(sent.filter((text) => !text.isWellFormed())).toEqual([]);
  });
});
