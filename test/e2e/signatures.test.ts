import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/slack/signature.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const FORM = 'application/x-www-form-urlencoded';
const body = (trigger: string) =>
  new URLSearchParams({
    team_id: 'T0TEST',
    channel_id: CHANNEL,
    user_id: USERS.carol,
    command: '/ops',
    text: 'ping',
    response_url: 'http://127.0.0.1:9/never',
    trigger_id: trigger,
  }).toString();

describe('forged and stale requests (S1)', () => {
  const now = () => Math.floor(Date.now() / 1000);

  // Skews are offsets applied when the request is sent: a timestamp taken while tests are collected can be seconds
  // old by the time the harness has started, and 301 s in the future would have become a valid 299 s. The future
  // case keeps a second of margin for the clock ticking between signing and verifying; the exact 300/301 s boundary
  // is pinned by the unit test of verifySignature, on a fixed clock.
  it.each<[string, { sign?: boolean; signature?: string; skew?: number }]>([
    ['no signature', { sign: false }],
    ['a wrong signature', { signature: `v0=${'0'.repeat(64)}` }],
    ['a v1= prefix', { signature: 'v1=' }],
    ['a timestamp 301 s old', { skew: -301 }],
    ['a timestamp 302 s in the future', { skew: 302 }],
  ])('rejects %s with 401 and an empty body, and enqueues nothing', async (_name, { skew, ...forge }) => {
    const input = { body: body(`forged.${Math.random()}`), contentType: FORM, ...forge };
    if (skew !== undefined) Object.assign(input, { timestamp: now() + skew });
    if ('signature' in forge && forge.signature === 'v1=') {
      const ts = now();
      Object.assign(input, {
        timestamp: ts,
        signature: signRequest(h.signingSecret, ts, input.body).replace('v0=', 'v1='),
      });
    }
    const res = await h.slack.sendRaw(input);
    expect(res.status).toBe(401);
    expect(res.text).toBe('');
    expect(await h.opsdeck.queues.queue('ping').count()).toBe(0);
  });

  it('rejects a body altered after signing', async () => {
    const ts = now();
    const original = body('altered.1');
    const signature = signRequest(h.signingSecret, ts, original);
    const res = await h.slack.sendRaw({
      body: original.replace('text=ping', 'text=audit'),
      contentType: FORM,
      timestamp: ts,
      signature,
    });
    expect(res.status).toBe(401);
    expect(res.text).toBe('');
  });

  it('rejects a missing timestamp header', async () => {
    const res = await h.slack.sendRaw({
      body: body('no-ts'),
      contentType: FORM,
      signature: 'v0=abc',
      headers: { 'x-slack-request-timestamp': '' },
    });
    expect(res.status).toBe(401);
  });

  it('causes nothing: no Slack call was made for any forged request', () => {
    expect(h.slack.calls.filter((c) => c.method === 'response_url')).toEqual([]);
  });
});

describe('replays (S2, R5)', () => {
  it('runs one side effect for a valid request replayed five times', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const raw = body('replayed.trigger.1').replace(
      'http%3A%2F%2F127.0.0.1%3A9%2Fnever',
      encodeURIComponent(`${h.slack.url}/response/none`),
    );
    const signature = signRequest(h.signingSecret, ts, raw);
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await h.slack.sendRaw({ body: raw, contentType: FORM, timestamp: ts, signature }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.text.includes('Pinging')).length).toBe(1);
    const counts = await h.opsdeck.queues
      .queue('ping')
      .getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('handles an Events API event once when Slack retries it three times', async () => {
    const event = {
      type: 'app_mention',
      user: USERS.carol,
      text: '<@U0BOT> hi',
      ts: '1.000001',
      channel: CHANNEL,
      event_ts: '1.000001',
    };
    const first = await h.slack.sendEvent(event, { eventId: 'Ev0RETRIED' });
    expect(first.status).toBe(200);
    for (let retry = 1; retry <= 3; retry++) {
      const res = await h.slack.sendEvent(event, {
        eventId: 'Ev0RETRIED',
        retryNum: retry,
        retryReason: 'http_timeout',
      });
      expect(res.status).toBe(200);
    }
    const seen = await h.opsdeck.redis.client.get(h.opsdeck.redis.key('seen', 'event', 'Ev0RETRIED'));
    expect(seen).toBe('1');
  });
});
