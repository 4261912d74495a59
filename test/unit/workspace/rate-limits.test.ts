import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paceFor } from '../../../src/slack/outbox/pace-rules.js';
import { METHOD_TIERS, TIER_PER_MINUTE } from '../../../src/slack/rate-tiers.js';
import { WEB_API_METHODS } from '../../../src/workspace/web-api/methods.js';
import { RateLimiter, TokenBucket } from '../../../src/workspace/web-api/rate-limits.js';
import { manualClock } from '../../support/clock.js';
import { fixturePath } from '../../support/repo.js';

describe('TokenBucket', () => {
  it('allows a burst of capacity, then reports the wait until the next token', () => {
    const bucket = new TokenBucket(2, 1 / 1000, 0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBe(1000);
    expect(bucket.take(400)).toBe(600);
    expect(bucket.take(1000)).toBe(0);
    // Refill never exceeds capacity.
    expect([bucket.take(100_000), bucket.take(100_000), bucket.take(100_000)]).toEqual([0, 0, 1000]);
  });
});

describe('RateLimiter', () => {
  it('lets chat.postMessage burst 4 per channel, then ~1/s, with Retry-After in whole seconds', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ now: clock.now });
    for (let i = 0; i < 4; i++) expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(true);
    expect(limiter.check('chat.postMessage', 'C1')).toEqual({ allowed: false, retryAfterSeconds: 1 });
    // Another channel has its own bucket.
    expect(limiter.check('chat.postMessage', 'C2').allowed).toBe(true);
    clock.advance(999);
    expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(false);
    clock.advance(1);
    expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(true);
    expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(false);
  });

  it('does not charge rejected calls', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ now: clock.now, postMessageBurst: 1 });
    expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(true);
    for (let i = 0; i < 10; i++) expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(false);
    clock.advance(1000);
    expect(limiter.check('chat.postMessage', 'C1').allowed).toBe(true);
  });

  it('applies tier limits per method per minute', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ now: clock.now });
    for (let i = 0; i < 20; i++) expect(limiter.check('pins.add').allowed).toBe(true);
    const blocked = limiter.check('pins.add');
    expect(blocked.allowed).toBe(false);
    expect(blocked.retryAfterSeconds).toBe(3); // 20/min refills one every 3 s
    // Only that method is blocked.
    expect(limiter.check('conversations.setTopic').allowed).toBe(true);
    expect(limiter.check('chat.update').allowed).toBe(true);
    clock.advance(3000);
    expect(limiter.check('pins.add').allowed).toBe(true);
  });

  it('uses 50/min for Tier 3 and 100/min for Tier 4, and never limits auth.test', () => {
    const clock = manualClock();
    const limiter = new RateLimiter({ now: clock.now });
    const allowedOf = (method: string, n: number) =>
      Array.from({ length: n }, () => limiter.check(method).allowed).filter(Boolean).length;
    expect(allowedOf('chat.update', 60)).toBe(50);
    expect(allowedOf('views.open', 120)).toBe(100);
    expect(allowedOf('auth.test', 1000)).toBe(1000);
    expect(allowedOf('some.unlimited.method', 10)).toBe(10);
  });

  it('can be tuned per tier', () => {
    const limiter = new RateLimiter({ now: () => 0, perMinute: { Tier2: 1 } });
    expect(limiter.check('conversations.create').allowed).toBe(true);
    expect(limiter.check('conversations.create')).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it("keeps METHOD_TIERS in step with java-slack-sdk's tier table", () => {
    const table = JSON.parse(readFileSync(fixturePath('slack/web-api-rate-limit-tiers.json'), 'utf8')) as Record<
      string,
      string
    >;
    for (const [method, tier] of Object.entries(METHOD_TIERS)) {
      const upstream = table[method];
      expect(upstream, method).toBeDefined();
      expect(tier === 'Special' ? upstream?.startsWith('SpecialTier_') : upstream === tier, method).toBe(true);
    }
    expect(TIER_PER_MINUTE).toEqual({ Tier1: 1, Tier2: 20, Tier3: 50, Tier4: 100 });
  });
});

describe('what the server limits', () => {
  it('limits every Web API method it serves that the outbox paces', () => {
    const unpaced = new Set(['apps.connections.open', 'auth.test']);
    for (const method of Object.keys(WEB_API_METHODS).filter((m) => !unpaced.has(m))) {
      expect(paceFor(method), method).toBeDefined();
      expect(METHOD_TIERS[method], method).toBeDefined();
    }
  });
});
