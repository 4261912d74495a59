import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, retryDelay } from '../../../src/slack/retry-policy.js';

const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };

describe('Slack retry policy', () => {
  it('waits exactly what Retry-After says on a 429', () => {
    expect(retryDelay({ kind: 'ratelimited', retryAfterSeconds: 7 }, 1, policy, 0.5)).toBe(7000);
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
