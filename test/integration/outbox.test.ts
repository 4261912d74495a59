import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { RecordedCall } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OutboxWatch, watchOutbox } from '../support/outbox.js';

/** The outbox's writes through real HTTP to the Slack-compatible server, delivered by Opsdeck's own worker. */
interface Bench extends OutboxWatch {
  h: Harness;
}

async function startBench(env: Record<string, string> = {}): Promise<Bench> {
  const h = await startHarness({ env });
  const watch = await watchOutbox(h.opsdeck.redis);
  return {
    ...watch,
    h,
    async close() {
      await watch.close();
      await h.close();
    },
  };
}

const postOf = (text: string) => (c: RecordedCall) => c.method === 'chat.postMessage' && c.params.text === text;

/** Posts `text` under `key`, waits for its delivery, and returns where it landed: the start of the edit tests. */
async function posted(b: Bench, key: string, text: string): Promise<string> {
  const { outbox } = b.h.opsdeck;
  await outbox.post({ key, channel: CHANNEL, message: { text } });
  await b.finished({ kind: 'post', key });
  return (await outbox.ref(key))!.ts;
}

describe('the outbox', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await startBench();
  });
  afterAll(() => b.close());

  it('posts once per key and keeps where the message landed', async () => {
    const { outbox } = b.h.opsdeck;
    await outbox.post({ key: 'deploy-1', channel: CHANNEL, message: { text: 'Deploying api 1.4.2' } });
    await outbox.post({ key: 'deploy-1', channel: CHANNEL, message: { text: 'Deploying api 1.4.2 again' } });
    expect(await b.finished({ kind: 'post', key: 'deploy-1' })).toBe('sent');
    const call = await b.h.slack.waitForCall(postOf('Deploying api 1.4.2'));
    expect(call.status).toBe(200);
    expect(await outbox.ref('deploy-1')).toEqual({ channel: CHANNEL, ts: call.response.ts });
    expect(b.h.slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === CHANNEL)).toHaveLength(
      1,
    );
  });

  it('replies in the thread of another keyed message, waiting for that post if it is still on its way', async () => {
    const { outbox } = b.h.opsdeck;
    await outbox.post({ key: 'inc-7-log', channel: CHANNEL, message: { text: 'Timeline' }, threadKey: 'inc-7' });
    await outbox.post({ key: 'inc-7', channel: CHANNEL, message: { text: 'Incident 7 declared' } });
    await b.finished({ kind: 'post', key: 'inc-7-log' });
    const parent = await outbox.ref('inc-7');
    const reply = await b.h.slack.waitForCall(postOf('Timeline'));
    expect(reply.params.thread_ts).toBe(parent!.ts);
    expect(b.h.slack.state.messages.get(CHANNEL)!.find((m) => m.text === 'Timeline')!.threadTs).toBe(parent!.ts);
  });

  it('coalesces twenty edits within a second into a few chat.update calls; the last state wins', async () => {
    const { outbox } = b.h.opsdeck;
    const ts = await posted(b, 'progress', 'step 0/20');
    for (let step = 1; step <= 20; step++) {
      await outbox.update({ key: 'progress', message: { text: `step ${step}/20` } });
    }
    // Versions 2..21: every edit's job finishes, most without a call.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => b.finished({ kind: 'update', key: 'progress', version: i + 2 })),
    );
    const updates = b.h.slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts);
    // One edit per second per message: the first edit at once, then the newest a second later (2 here); the bound
    // leaves room for a slow machine taking longer than a second over the twenty edits.
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(4);
    expect(results.filter((r) => r === 'sent')).toHaveLength(updates.length);
    expect(updates.at(-1)!.params.text).toBe('step 20/20');
    expect(b.h.slack.state.messages.get(CHANNEL)!.find((m) => m.ts === ts)!.text).toBe('step 20/20');
  });

  it('sends a final state as the next edit, covering the edit still waiting for the message’s slot', async () => {
    const { outbox } = b.h.opsdeck;
    const ts = await posted(b, 'checks', 'checks 0/3');
    await outbox.update({ key: 'checks', message: { text: 'checks 1/3' } });
    expect(await b.finished({ kind: 'update', key: 'checks', version: 2 })).toBe('sent');
    // The message was just edited: this edit waits for its next slot, a second away (how much sooner the final state
    // shows is measured by bench/status.ts)…
    await outbox.update({ key: 'checks', message: { text: 'checks 2/3' } });
    await outbox.update({ key: 'checks', message: { text: 'checks 3/3, all passed' }, final: true });
    // …and whichever delivery goes first carries the final state; the other finds it shown.
    const results = await Promise.all([3, 4].map((version) => b.finished({ kind: 'update', key: 'checks', version })));
    expect(results.sort()).toEqual(['coalesced', 'sent']);
    const updates = b.h.slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts);
    expect(updates.map((c) => c.params.text)).toEqual(['checks 1/3', 'checks 3/3, all passed']);
    expect(b.h.slack.state.messages.get(CHANNEL)!.find((m) => m.ts === ts)!.text).toBe('checks 3/3, all passed');
  });

  it('sends no edit for content the message already has', async () => {
    const { outbox } = b.h.opsdeck;
    const ts = await posted(b, 'card-9', 'Incident 9: investigating');
    // A redraw that changes nothing is no new version, so no job and no "(edited)" on the message.
    await outbox.update({ key: 'card-9', message: { text: 'Incident 9: investigating' } });
    expect(await b.job({ kind: 'update', key: 'card-9', version: 2 })).toBeUndefined();
    await outbox.update({ key: 'card-9', message: { text: 'Incident 9: identified' } });
    expect(await b.finished({ kind: 'update', key: 'card-9', version: 2 })).toBe('sent');
    const updates = b.h.slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === ts);
    expect(updates.map((c) => c.params.text)).toEqual(['Incident 9: identified']);
  });

  it('sends the latest content with a post that is still waiting, and no edit at all', async () => {
    const { outbox } = b.h.opsdeck;
    const outage = b.h.slack.faults.failFor('chat.postMessage', { status: 503 });
    await outbox.post({ key: 'status-1', channel: CHANNEL, message: { text: 'status: checking' } });
    const failed = await b.h.slack.waitForCall(postOf('status: checking'));
    expect(failed.status).toBe(503);
    await outbox.update({ key: 'status-1', message: { text: 'status: degraded' } });
    await outbox.update({ key: 'status-1', message: { text: 'status: down' } });
    outage.clear();
    expect(await b.finished({ kind: 'post', key: 'status-1' })).toBe('sent');
    const posted = await b.h.slack.waitForCall((c) => postOf('status: down')(c) && c.status === 200);
    // The post carried the last edit, so its delivery enqueued no follow-up, and the edits themselves no job.
    expect(await b.job({ kind: 'update', key: 'status-1', version: 2 })).toBeUndefined();
    expect(await b.job({ kind: 'update', key: 'status-1', version: 3 })).toBeUndefined();
    expect(b.h.slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === posted.response.ts)).toEqual([]);
  });

  it('finds a post whose answer was lost and adopts it instead of posting twice', async () => {
    const { outbox } = b.h.opsdeck;
    const before = b.h.slack.calls.length;
    // Slack posts it, but the answer never arrives (a proxy's 503 after the fact).
    b.h.slack.faults.failNext('chat.postMessage', { status: 503, afterApplying: true });
    await outbox.post({ key: 'lost-answer', channel: CHANNEL, message: { text: 'Deploy of api finished' } });
    await outbox.post({ key: 'lost-answer.t1', channel: CHANNEL, threadKey: 'lost-answer', message: { text: 'log' } });
    b.h.slack.faults.failNext('chat.postMessage', { status: 503, afterApplying: true });
    expect(await b.finished({ kind: 'post', key: 'lost-answer' })).toBe('adopted');
    expect(await b.finished({ kind: 'post', key: 'lost-answer.t1' })).toBe('adopted');
    const posted = b.h.slack.state.messages.get(CHANNEL)!.filter((m) => m.text === 'Deploy of api finished');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.metadata).toEqual({ event_type: 'opsdeck_write', event_payload: { key: 'lost-answer' } });
    expect(await outbox.ref('lost-answer')).toEqual({ channel: CHANNEL, ts: posted[0]!.ts });
    const replies = b.h.slack.state.replies(CHANNEL, posted[0]!.ts);
    expect(replies.map((m) => m.text)).toEqual(['log']);
    expect(await outbox.ref('lost-answer.t1')).toEqual({ channel: CHANNEL, ts: replies[0]!.ts });
    // Each was looked up once, in its place: the channel's history, the thread's replies.
    const lookups = b.h.slack.calls.slice(before).filter((c) => c.method.startsWith('conversations.'));
    expect(lookups.map((c) => c.method)).toEqual(['conversations.history', 'conversations.replies']);
  });

  it('fails a permanent error once, without retrying it', async () => {
    const { outbox } = b.h.opsdeck;
    await outbox.post({ key: 'nowhere', channel: 'C0NOPE', message: { text: 'lost?' } });
    await expect(b.finished({ kind: 'post', key: 'nowhere' })).rejects.toThrow(
      'Slack chat.postMessage failed: channel_not_found',
    );
    const job = await b.job({ kind: 'post', key: 'nowhere' });
    expect(job!.attemptsMade).toBe(1);
    expect(b.h.slack.calls.filter((c) => c.params.channel === 'C0NOPE')).toHaveLength(1);
  });

  it('waits out a 429 for its Retry-After before calling again', async () => {
    const { outbox } = b.h.opsdeck;
    b.h.slack.faults.failNext('chat.postMessage', { status: 429, retryAfter: 2 });
    await outbox.post({ key: 'limited', channel: CHANNEL, message: { text: 'after the wall' } });
    await b.finished({ kind: 'post', key: 'limited' });
    const [limited, delivered] = b.h.slack.calls.filter(postOf('after the wall'));
    expect(limited!.status).toBe(429);
    expect(delivered!.status).toBe(200);
    expect(delivered!.at - limited!.at).toBeGreaterThanOrEqual(2000);
  });

  it('calls at once what needs an answer now, and says whether a failure may pass', async () => {
    const { outbox } = b.h.opsdeck;
    const created = await outbox.call<{ channel: { id: string; name: string } }>('conversations.create', {
      name: 'inc-42-checkout',
    });
    expect(created.channel.name).toBe('inc-42-checkout');
    await expect(outbox.call('conversations.create', { name: 'inc-42-checkout' })).rejects.toMatchObject({
      code: ErrorCode.SlackApi,
      slackError: 'name_taken',
      temporary: false,
    });
    const outage = b.h.slack.faults.failFor('views.publish', { status: 503 });
    await expect(outbox.call('views.publish', { user_id: USERS.carol, view: {} })).rejects.toMatchObject({
      slackError: 'http_503',
      temporary: true,
    });
    outage.clear();
    // The short retries were used before giving up.
    expect(b.h.slack.calls.filter((c) => c.method === 'views.publish').map((c) => c.status)).toEqual([503, 503, 503]);
  });

  it('refuses a key it could not keep apart from others', async () => {
    await expect(
      b.h.opsdeck.outbox.post({ key: 'has spaces', channel: CHANNEL, message: { text: 'x' } }),
    ).rejects.toThrow(/letters, digits/);
    await expect(b.h.opsdeck.outbox.update({ key: 'never-posted', message: { text: 'x' } })).rejects.toMatchObject({
      code: ErrorCode.NoMessage,
      key: 'never-posted',
      message: 'outbox: no message was posted under key never-posted',
    });
  });
});

describe('a write Slack never takes', () => {
  let b: Bench;
  beforeAll(async () => {
    b = await startBench({ OUTBOX_MAX_AGE_MS: '1500' });
  });
  afterAll(() => b.close());

  it('is dead-lettered after its maximum age: kept, logged and counted, never dropped', async () => {
    b.h.slack.faults.failFor('response_url', { status: 503 });
    const url = `${b.h.slack.url}/response/outage`;
    await b.h.opsdeck.outbox.respond(url, { text: 'are you there?' }, { key: 'dl-1' });
    await expect(b.finished({ kind: 'respond', key: 'dl-1', url, message: { text: '' } })).rejects.toThrow(
      /dead-lettered/,
    );
    const [letter] = await b.h.opsdeck.outbox.deadLetters();
    expect(letter).toMatchObject({ method: 'response_url', key: 'dl-1', error: 'http_503' });
    expect(letter!.job).toMatchObject({ kind: 'respond', url, message: { text: 'are you there?' } });
    const metrics = await b.h.opsdeck.metrics.registry.metrics();
    expect(metrics).toContain('opsdeck_slack_dead_letters_total{method="response_url"} 1');
    // Tried (at least its short retries) before giving up.
    expect(b.h.slack.calls.filter((c) => c.path === '/response/outage').length).toBeGreaterThanOrEqual(3);
  });
});
