import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/slack/signature.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { eventsFromStart, jobsInAnyState } from '../support/queues.js';

let h: Harness;
/** A real listener at the forged requests' response_url: a post reaching it would be a forged request's effect. */
let forgedTarget: Server;
let forgedUrl: string;
const forgedPosts: Array<Pick<IncomingMessage, 'method' | 'url'>> = [];

beforeAll(async () => {
  h = await startHarness();
  forgedTarget = createServer((req, res) => {
    forgedPosts.push({ method: req.method, url: req.url });
    req.resume();
    res.end('ok');
  });
  await new Promise<void>((resolve) => forgedTarget.listen(0, '127.0.0.1', resolve));
  forgedUrl = `http://127.0.0.1:${(forgedTarget.address() as AddressInfo).port}/forged`;
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => forgedTarget.close(resolve));
});

const FORM = 'application/x-www-form-urlencoded';
const body = (trigger: string, responseUrl = forgedUrl) =>
  new URLSearchParams({
    team_id: 'T0TEST',
    channel_id: CHANNEL,
    user_id: USERS.carol,
    command: '/ops',
    text: 'ping',
    response_url: responseUrl,
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
    expect(await jobsInAnyState(h.opsdeck.queues.queue('ping'))).toBe(0);
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

  it('causes nothing: no post reached any forged response_url, no job ran', async () => {
    // A valid request to the same listener proves a post would have been seen: the pong arrives there.
    const ts = now();
    const valid = body('valid.after.forged');
    await h.slack.sendRaw({
      body: valid,
      contentType: FORM,
      timestamp: ts,
      signature: signRequest(h.signingSecret, ts, valid),
    });
    await expect.poll(() => forgedPosts.length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(forgedPosts).toEqual([{ method: 'POST', url: '/forged' }]);
    expect(h.slack.calls.filter((c) => c.method === 'response_url')).toEqual([]);
  });
});

describe('replays (S2, R5)', () => {
  it('runs one side effect for a valid request replayed five times', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const raw = body('replayed.trigger.1', `${h.slack.url}/response/none`);
    const signature = signRequest(h.signingSecret, ts, raw);
    const before = await jobsInAnyState(h.opsdeck.queues.queue('ping'));
    const answers = [];
    for (let i = 0; i < 6; i++)
      answers.push(await h.slack.sendRaw({ body: raw, contentType: FORM, timestamp: ts, signature }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.text.includes('Pinging')).length).toBe(1);
    expect(await jobsInAnyState(h.opsdeck.queues.queue('ping'))).toBe(before + 1);
  });

  it('still runs once when the finished job is gone: dedupe does not rest on BullMQ keeping jobs', async () => {
    const ts = Math.floor(Date.now() / 1000);
    // The forged-URL listener answers 200, so the job completes (a 404 would fail it and leave it failed).
    const raw = body('replayed.after.removal', forgedUrl.replace('/forged', '/removal'));
    const signature = signRequest(h.signingSecret, ts, raw);
    const queue = h.opsdeck.queues.queue('ping');
    const events = eventsFromStart(h.opsdeck.redis, 'ping');
    try {
      const first = await h.slack.sendRaw({ body: raw, contentType: FORM, timestamp: ts, signature });
      expect(first.text).toContain('Pinging');
      const [job] = (await queue.getJobs(['waiting', 'active', 'completed'])).filter((j) =>
        j.id?.includes('replayed.after.removal'),
      );
      await once(events, `completed:${job!.id}`);
      // As removeOnComplete does once its count or age is reached.
      await job!.remove();
      const before = await jobsInAnyState(queue);
      const replay = await h.slack.sendRaw({ body: raw, contentType: FORM, timestamp: ts, signature });
      expect(replay.status).toBe(200);
      expect(replay.text).not.toContain('Pinging');
      expect(await jobsInAnyState(queue)).toBe(before);
    } finally {
      await events.close();
    }
  });

  it('handles an Events API event once when Slack retries it three times', async () => {
    // The effect of app_home_opened is one views.publish for that user: count those, not a dedupe key.
    const opened = (user: string) => ({ type: 'app_home_opened', user, channel: `D0${user}`, tab: 'home' });
    const publishesFor = (user: string) =>
      h.slack.calls.filter((c) => c.method === 'views.publish' && c.params.user_id === user);
    const first = await h.slack.sendEvent(opened(USERS.carol), { eventId: 'Ev0RETRIED' });
    expect(first.status).toBe(200);
    for (let retry = 1; retry <= 3; retry++) {
      const res = await h.slack.sendEvent(opened(USERS.carol), {
        eventId: 'Ev0RETRIED',
        retryNum: retry,
        retryReason: 'http_timeout',
      });
      expect(res.status).toBe(200);
    }
    await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.carol);
    // A later, distinct event is deduplicated after the retries on the same Redis connection (commands run in
    // order): once its effect shows, every retry has been judged, and a retry let through would have published.
    await h.slack.sendEvent(opened(USERS.bob), { eventId: 'Ev0SENTINEL' });
    await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.bob);
    expect(publishesFor(USERS.carol)).toHaveLength(1);
  });
});
