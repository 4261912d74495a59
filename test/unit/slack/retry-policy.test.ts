import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_POLICY,
  type DeliveryPolicy,
  parseRetryAfter,
  redelivery,
  retryDelay,
} from '../../../src/slack/retry-policy.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('Slack retry policy: short retries within one try', () => {
  it('waits exactly what Retry-After says on a 429, when that is short', () => {
    expect(retryDelay({ kind: 'ratelimited', retryAfterSeconds: 1 }, 1, policy, 0.5)).toBe(1000);
  });

  it('does not hold a worker for a long Retry-After: the write goes back to the queue instead', () => {
    expect(retryDelay({ kind: 'ratelimited', retryAfterSeconds: 7 }, 1, policy, 0.5)).toBeNull();
  });

  it('backs off exponentially with jitter on server and network errors, capped', () => {
    expect(retryDelay({ kind: 'server', status: 503 }, 1, policy, 0)).toBe(50);
    expect(retryDelay({ kind: 'server', status: 503 }, 1, policy, 0.999)).toBe(100);
    expect(retryDelay({ kind: 'network' }, 3, policy, 0.999)).toBe(400);
    expect(retryDelay({ kind: 'network' }, 3, { ...policy, maxAttempts: 10, maxDelayMs: 300 }, 0.999)).toBe(300);
  });

  it('gives up on permanent errors and after the last attempt', () => {
    expect(retryDelay({ kind: 'permanent' }, 1, policy, 0.5)).toBeNull();
    expect(retryDelay({ kind: 'server', status: 500 }, 4, policy, 0.5)).toBeNull();
    expect(
      retryDelay(
        { kind: 'ratelimited', retryAfterSeconds: 1 },
        DEFAULT_RETRY_POLICY.maxAttempts,
        DEFAULT_RETRY_POLICY,
        0,
      ),
    ).toBeNull();
  });

  it('reads Retry-After defensively', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(null)).toBe(1);
    expect(parseRetryAfter('soon')).toBe(1);
    expect(parseRetryAfter('-4')).toBe(1);
  });
});

describe('Slack retry policy: durable writes waiting in the queue', () => {
  const durable: DeliveryPolicy = { maxAgeMs: 3_600_000, minDelayMs: 1000, maxDelayMs: 60_000 };
  const server = { kind: 'server', status: 503 } as const;

  it('fails a permanent error once, whatever its age', () => {
    expect(redelivery({ kind: 'permanent' }, 0, durable, 0.5)).toEqual({ action: 'fail' });
  });

  it('waits half the write’s age, with jitter, between the bounds', () => {
    expect(redelivery(server, 0, durable, 0.999)).toEqual({ action: 'retry', delayMs: 1000 });
    expect(redelivery(server, 0, durable, 0)).toEqual({ action: 'retry', delayMs: 500 });
    expect(redelivery(server, 20_000, durable, 0.999)).toEqual({ action: 'retry', delayMs: 9995 });
    expect(redelivery({ kind: 'network' }, 30 * 60_000, durable, 0.999)).toEqual({ action: 'retry', delayMs: 59_970 });
    expect(redelivery({ kind: 'network' }, 30 * 60_000, durable, 0)).toEqual({ action: 'retry', delayMs: 30_000 });
  });

  it('honours Retry-After on a 429, however long', () => {
    expect(redelivery({ kind: 'ratelimited', retryAfterSeconds: 30 }, 5000, durable, 0.3)).toEqual({
      action: 'retry',
      delayMs: 30_000,
    });
  });

  it('makes the last try at the maximum age, and dead-letters a failure at or after it', () => {
    const hour = durable.maxAgeMs;
    expect(redelivery(server, hour - 200, durable, 0.999)).toEqual({ action: 'retry', delayMs: 200 });
    expect(redelivery({ kind: 'ratelimited', retryAfterSeconds: 60 }, hour - 5000, durable, 0)).toEqual({
      action: 'retry',
      delayMs: 5000,
    });
    expect(redelivery(server, hour, durable, 0.5)).toEqual({ action: 'dead-letter' });
    expect(redelivery({ kind: 'ratelimited', retryAfterSeconds: 1 }, hour + 1, durable, 0.5)).toEqual({
      action: 'dead-letter',
    });
  });
});
