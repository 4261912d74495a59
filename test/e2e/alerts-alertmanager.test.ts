import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, type RealAlertmanager, startAlertmanager, startAlertsHarness } from '../support/alertmanager.js';
import { CHANNEL, type Harness, USERS } from '../support/harness.js';

/**
 * The real Alertmanager (Debian's prometheus-alertmanager) sends its webhook to Opsdeck with bearer auth; Opsdeck's
 * Silence button creates the silence back in it.
 */
const TOKEN = 'am-test-token-abcdef0123456789';

let h: Harness;
let am: RealAlertmanager;
beforeAll(async () => {
  // Each needs the other's URL: Alertmanager's port is chosen first and given to Opsdeck's ops.yml.
  const port = await freePort();
  h = await startAlertsHarness(TOKEN, port);
  am = await startAlertmanager({ port, webhookUrl: `${h.opsdeck.url}/webhooks/alertmanager`, token: TOKEN });
}, 30_000);
afterAll(async () => {
  await am?.close();
  await h?.close();
});

const alert = (instance: string, endsAt?: string) => ({
  labels: { alertname: 'ApiDown', service: 'api', severity: 'critical', instance },
  annotations: { summary: 'The API is down', runbook_url: 'https://runbooks.example.com/api-down' },
  generatorURL: 'http://prometheus.example.com/graph?g0.expr=up%3D%3D0',
  ...(endsAt ? { endsAt } : {}),
});

describe('with the real Alertmanager', () => {
  it('posts one message, edits it on resolve, and Silence creates the silence in Alertmanager', async () => {
    await am.postAlerts([alert('a'), alert('b')]);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('ApiDown') && !c.params.thread_ts,
      20_000,
    );
    expect(post.params.text).toContain('FIRING [critical] ApiDown — 2 firing, 0 resolved');
    const ts = (post.response as { ts: string }).ts;
    expect(JSON.stringify(post.params.blocks)).toContain(`${am.url}/#/alerts?filter=`);

    await h.slack.sendBlockAction({
      userId: USERS.carol,
      channelId: CHANNEL,
      messageTs: ts,
      actionId: 'alerts_silence_1h',
    });
    const silenced = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Silenced by'),
      20_000,
    );
    expect(JSON.stringify(silenced.params.blocks)).toContain('alerts_unsilence');
    const silences = await am.silences();
    expect(silences).toHaveLength(1);
    expect(silences[0]!.status.state).toBe('active');
    expect(silences[0]!.matchers).toEqual([expect.objectContaining({ name: 'alertname', value: 'ApiDown' })]);

    await h.slack.sendBlockAction({
      userId: USERS.carol,
      channelId: CHANNEL,
      messageTs: ts,
      actionId: 'alerts_unsilence',
    });
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && !JSON.stringify(c.params.blocks).includes('Silenced by'),
      20_000,
    );
    await vi.waitFor(async () => expect((await am.silences())[0]!.status.state).toBe('expired'));

    const past = new Date(Date.now() - 1000).toISOString();
    await am.postAlerts([alert('a', past), alert('b', past)]);
    const resolved = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
      20_000,
    );
    expect(resolved.params.text).toContain('0 firing, 2 resolved');
    const posts = h.slack.state.visibleMessages(CHANNEL).filter((m) => !m.threadTs && m.text.includes('ApiDown'));
    expect(posts).toHaveLength(1);
  }, 60_000);
});
