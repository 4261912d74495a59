import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST_MESSAGE_BURST, paceFor } from '../../../src/slack/outbox/pace-rules.js';
import { Pacer } from '../../../src/slack/outbox/pacer.js';
import { manualClock } from '../../support/clock.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

let redis: Redis;
let other: Redis;
const prefix = uniquePrefix();
const key = (...parts: string[]) => [prefix, ...parts].join(':');

beforeAll(() => {
  redis = redisClient();
  other = redisClient();
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
  other.disconnect();
});

describe('pace rules', () => {
  it('paces chat.postMessage per channel at 1/s with a burst below the one Slack tolerates', () => {
    expect(paceFor('chat.postMessage', 'C1')).toEqual({ key: 'chat.postMessage:C1', intervalMs: 1000, burst: 3 });
    expect(paceFor('chat.postMessage', 'C2')?.key).toBe('chat.postMessage:C2');
    expect(POST_MESSAGE_BURST).toBeLessThan(4);
  });

  it('paces other methods by their tier, per method, and unknown ones as Tier 3', () => {
    expect(paceFor('chat.update', 'C1')).toEqual({ key: 'chat.update', intervalMs: 1200, burst: 5 });
    expect(paceFor('conversations.create')).toEqual({ key: 'conversations.create', intervalMs: 3000, burst: 2 });
    expect(paceFor('views.publish')).toEqual({ key: 'views.publish', intervalMs: 600, burst: 10 });
    expect(paceFor('bookmarks.add')).toEqual({ key: 'bookmarks.add', intervalMs: 1200, burst: 5 });
  });

  it('does not pace response_url (limited per URL, not per minute) or auth.test', () => {
    expect(paceFor('response_url')).toBeUndefined();
    expect(paceFor('auth.test')).toBeUndefined();
  });
});

describe('Pacer (a GCRA bucket in Redis)', () => {
  const rule = { key: 'chat.postMessage:C1', intervalMs: 1000, burst: 3 };

  it('gives the burst at once, then one slot per interval, each caller its own slot', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-a` };
    const turns = [];
    for (let i = 0; i < 5; i++) turns.push(await pacer.reserve(bucket, 5000));
    expect(turns).toEqual([
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 1000 },
      { reserved: true, waitMs: 2000 },
    ]);
    clock.advance(2000);
    expect(await pacer.reserve(bucket, 5000)).toEqual({ reserved: true, waitMs: 1000 });
  });

  it('takes nothing when the next slot is further than the caller will wait, and says when to ask again', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-b` };
    for (let i = 0; i < 3; i++) await pacer.reserve(bucket, 0);
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: false, retryInMs: 1000 });
    expect(await pacer.reserve(bucket, 400)).toEqual({ reserved: false, retryInMs: 600 });
    // Refused asks took nothing: the slot is still there a second later.
    clock.advance(1000);
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: true, waitMs: 0 });
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: false, retryInMs: 1000 });
  });

  it('refills up to the burst, never beyond', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-c` };
    await pacer.reserve(bucket, 0);
    clock.advance(60_000);
    const waits = [];
    for (let i = 0; i < 4; i++) waits.push(await pacer.reserve(bucket, 5000));
    expect(waits.map((t) => (t.reserved ? t.waitMs : -1))).toEqual([0, 0, 0, 1000]);
  });

  it('is one bucket for every process: two clients share it', async () => {
    const clock = manualClock();
    const a = new Pacer(redis, key, clock.now);
    const b = new Pacer(other, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-d` };
    const turns = await Promise.all([a, b, a, b, a, b].map((p) => p.reserve(bucket, 10_000)));
    const waits = turns.map((t) => (t.reserved ? t.waitMs : -1)).sort((x, y) => x - y);
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 3000]);
  });

  it('tells each refused caller in the waiting line its own time, one interval apart, low priority behind high', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { key: 'chat.update-line', intervalMs: 1200, burst: 5 };
    for (let i = 0; i < 5; i++) await pacer.reserve(bucket, 0);
    const line = { line: true };
    // Without the line every refused caller learns the same next free slot; in it, each its own.
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: false, retryInMs: 1200 });
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: false, retryInMs: 1200 });
    const high = [];
    for (let i = 0; i < 2; i++) high.push(await pacer.reserve(bucket, 0, undefined, 'high', line));
    expect(high).toEqual([
      { reserved: false, retryInMs: 1200 },
      { reserved: false, retryInMs: 2400 },
    ]);
    const low = [];
    for (let i = 0; i < 2; i++) low.push(await pacer.reserve(bucket, 0, undefined, 'low', line));
    expect(low).toEqual([
      // Its own budget's next slot (it leaves two of the burst to high priority) is after the high line's last.
      { reserved: false, retryInMs: 3600 },
      { reserved: false, retryInMs: 4800 },
    ]);
    // Nothing was reserved: the first caller back at its time takes the slot.
    clock.advance(1200);
    expect(await pacer.reserve(bucket, 0, undefined, 'high', line)).toEqual({ reserved: true, waitMs: 0 });
  });

  it('holds every caller off for a Retry-After, then resumes at the normal pace', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-e` };
    await pacer.holdOff(bucket, 5000);
    expect(await pacer.reserve(bucket, 10_000)).toEqual({ reserved: true, waitMs: 5000 });
    expect(await pacer.reserve(bucket, 10_000)).toEqual({ reserved: true, waitMs: 6000 });
    // A shorter hold-off never shortens a wait already owed.
    await pacer.holdOff(bucket, 1000);
    expect(await pacer.reserve(bucket, 10_000)).toEqual({ reserved: true, waitMs: 7000 });
  });

  it('gives calls held back to one time one burst then, not a burst each (an alert group wait)', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const bucket = { ...rule, key: `${rule.key}-g` };
    const notBefore = clock.now() + 2000;
    const waits = [];
    for (let i = 0; i < 5; i++) {
      const turn = await pacer.reserve(bucket, 60_000, notBefore);
      waits.push(turn.reserved ? turn.waitMs : -1);
    }
    expect(waits).toEqual([2000, 2000, 2000, 3000, 4000]);
    // A time already past changes nothing: the line goes on.
    expect(await pacer.reserve(bucket, 60_000, clock.now() - 5000)).toEqual({ reserved: true, waitMs: 5000 });
  });

  it('says how long the next slot is away without taking it (the backlog of the alerts line)', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const line = { key: 'line:C1-w', intervalMs: 1000, burst: 1 };
    expect(await pacer.waitFor(line)).toBe(0);
    for (let i = 0; i < 3; i++) await pacer.reserve(line, Number.MAX_SAFE_INTEGER);
    expect(await pacer.waitFor(line)).toBe(3000);
    expect(await pacer.waitFor(line)).toBe(3000);
    clock.advance(2500);
    expect(await pacer.waitFor(line)).toBe(500);
    clock.advance(5000);
    expect(await pacer.waitFor(line)).toBe(0);
  });

  it('keeps half the burst for calls of high priority: they go at once while low ones wait their turn', async () => {
    const clock = manualClock();
    const pacer = new Pacer(redis, key, clock.now);
    const tier3 = { key: 'chat.update-p', intervalMs: 1200, burst: 5 };
    // Low priority sees a burst of 3 (5 less the 2 kept), then one slot per interval.
    const low = [];
    for (let i = 0; i < 4; i++) low.push(await pacer.reserve(tier3, 1200, undefined, 'low'));
    expect(low).toEqual([
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 0 },
      { reserved: true, waitMs: 1200 },
    ]);
    expect((await pacer.reserve(tier3, 1200, undefined, 'low')).reserved).toBe(false);
    // A final state still finds a free slot now, and the next one before any low-priority call.
    expect(await pacer.reserve(tier3, 1200, undefined, 'high')).toEqual({ reserved: true, waitMs: 0 });
    expect(await pacer.reserve(tier3, 1200, undefined, 'high')).toEqual({ reserved: true, waitMs: 1200 });
    expect((await pacer.reserve(tier3, 1200, undefined, 'low')).reserved).toBe(false);
    // Together they never exceed the rule: six calls in the bucket's first 1.2 s (burst 5, then one per interval).
    clock.advance(1200);
    expect((await pacer.reserve(tier3, 0, undefined, 'high')).reserved).toBe(false);
  });

  it('reads Redis TIME when no clock is injected, so processes on different hosts agree', async () => {
    const pacer = new Pacer(redis, key);
    const bucket = { key: 'views.open-f', intervalMs: 60_000, burst: 1 };
    expect(await pacer.reserve(bucket, 0)).toEqual({ reserved: true, waitMs: 0 });
    const refused = await pacer.reserve(bucket, 0);
    expect(refused.reserved).toBe(false);
    expect(refused.reserved === false && refused.retryInMs).toBeGreaterThan(58_000);
  });
});
