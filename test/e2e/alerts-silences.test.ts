import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { advanceJobs } from '../support/clock.js';
import { answerIn, CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
import { startHealthTarget } from '../support/targets.js';

/**
 * Opsdeck's own check alerts are silenced in Opsdeck (Alertmanager does not know them): the Silence button keeps the
 * group quiet for its hours, `/ops alerts` lists the silence, and a delayed job ends it.
 */
const TOKEN = 'silences-webhook-token-0123456789';
let h: Harness;
let offset = 0;
/** The platform clock runs with real time, moved on by hand past the flap window and the silence. */
const clock = {
  advance: (ms: number) => {
    offset += ms;
  },
};
let target: Awaited<ReturnType<typeof startHealthTarget>>;

beforeAll(async () => {
  target = await startHealthTarget();
  h = await startHarness({
    now: () => new Date(Date.now() + offset),
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${target.url}/healthz", interval: 1s, failuresBeforeAlert: 2, severity: critical }
`),
  });
});
afterAll(async () => {
  await h?.close();
  await target?.close();
});

const WAIT = { timeout: 15_000, interval: 50 };
const checkPosts = () =>
  h.slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && !c.params.thread_ts && String(c.params.text).includes('api/http failing'),
  );

describe('silencing a check alert in Opsdeck', () => {
  // First: the test after it moves the platform clock ahead of the outbox's, which holds a generic group's post.
  it('Unsilence ends an Opsdeck silence at once and takes its end out of the delayed set', async () => {
    const send = async (status: string) => {
      const res = await fetch(`${h.opsdeck.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Queue backlog', status, service: 'api' }),
      });
      expect(res.status).toBe(202);
    };
    await send('firing');
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Queue backlog'),
    );
    const ts = (post.response as { ts: string }).ts;
    const click = (actionId: string) =>
      h.slack.sendBlockAction({ userId: USERS.bob, channelId: CHANNEL, messageTs: ts, actionId });
    const expiries = () => h.opsdeck.queues.queue('alerts-silence-expiry').getDelayedCount();

    await click('alerts_silence_4h');
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Silenced by'),
    );
    await vi.waitFor(async () => expect(await expiries()).toBe(1), WAIT);

    await click('alerts_unsilence');
    const unsilenced = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && !JSON.stringify(c.params.blocks).includes('Silenced by'),
    );
    expect(JSON.stringify(unsilenced.params.blocks)).toContain('alerts_silence_1h');
    expect(await expiries()).toBe(0);
    await vi.waitFor(async () => {
      expect(await h.opsdeck.audit.latest(20)).toContainEqual(
        expect.objectContaining({ actor: USERS.bob, action: 'alerts.unsilence', outcome: 'ok' }),
      );
    }, WAIT);
    expect(await answerIn(h, USERS.bob, CHANNEL, 'alerts api')).not.toContain('Silenced in Opsdeck');
    await send('resolved');
    await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
    );
  });

  it('stops its re-alerts, shows in /ops alerts, ends on its own through a delayed job, and is audited', async () => {
    target.setHealthy(false);
    const raised = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
      15_000,
    );
    const ts = (raised.response as { ts: string }).ts;
    expect(JSON.stringify(raised.params.blocks)).toContain('"action_id":"alerts_silence_1h"');

    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: ts,
      actionId: 'alerts_silence_1h',
    });
    const silenced = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' && c.params.ts === ts && JSON.stringify(c.params.blocks).includes('Silenced by'),
    );
    expect(JSON.stringify(silenced.params.blocks)).toContain('alerts_unsilence');
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts && String(c.params.text).includes('Silenced'),
    );
    const listed = await answerIn(h, USERS.bob, CHANNEL, 'alerts api');
    expect(listed).toContain('Silenced in Opsdeck');
    expect(listed).toMatch(/api\/http failing.*firing, silenced by <@U0ALICE> until <!date\^/);

    // It passes, and past the flap window fails again: the group fires anew, quietly.
    target.setHealthy(true);
    await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
      15_000,
    );
    clock.advance(11 * 60_000);
    target.setHealthy(false);
    await vi.waitFor(async () => {
      expect(await answerIn(h, USERS.bob, CHANNEL, 'alerts api')).toContain('1 open alert group');
    }, WAIT);
    expect(checkPosts()).toHaveLength(1);
    const threadLines = h.slack.state.replies(CHANNEL, ts).map((m) => m.text);
    expect(threadLines.filter((text) => /Resolved|Firing again/.test(text))).toEqual([]);

    // The silence's hour is up: its delayed job ends it, and the group still firing gets its message.
    await advanceJobs(h.opsdeck.queues, 'alerts-silence-expiry', clock, 3600_000);
    const again = await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.postMessage' &&
        !c.params.thread_ts &&
        String(c.params.text).includes('api/http failing') &&
        (c.response as { ts: string }).ts !== ts,
      15_000,
    );
    expect(String(again.params.text)).toBe('FIRING [critical] api/http failing — 1 firing, 0 resolved');
    expect(JSON.stringify(again.params.blocks)).not.toContain('Silenced by');
    await vi.waitFor(async () => {
      expect(await h.opsdeck.audit.latest(20)).toContainEqual(
        expect.objectContaining({ actor: USERS.alice, action: 'alerts.silence-expire', outcome: 'ok' }),
      );
    }, WAIT);
    expect(await h.opsdeck.audit.latest(20)).toContainEqual(
      expect.objectContaining({ actor: USERS.alice, action: 'alerts.silence', outcome: 'ok' }),
    );
    expect(await answerIn(h, USERS.bob, CHANNEL, 'alerts api')).not.toContain('Silenced in Opsdeck');
    target.setHealthy(true);
  });
});
