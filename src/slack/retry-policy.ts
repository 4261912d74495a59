/**
 * When to try a Slack write again, and after how long. Pure, so the rules are tested without a clock.
 * - 429: wait what `Retry-After` says (Slack's documented contract), never less.
 * - 5xx, timeouts and connection errors: exponential backoff with jitter, capped.
 * - Anything else (4xx, Slack platform errors like `channel_not_found`): retrying will not help.
 *
 * Two horizons: a few short tries inside one job attempt ({@link retryDelay}), then, for the outbox's durable
 * writes, the job waits in its queue until Slack is back, up to a maximum age ({@link redelivery}).
 */
export type Failure =
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  | { kind: 'server'; status: number }
  | { kind: 'network' }
  | { kind: 'permanent' };

/** Short retries inside one attempt. */
export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  /** The longest wait worth holding a worker for; a longer Retry-After ends the short retries. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 2000 };

/**
 * @param attempt the attempt that just failed, from 1
 * @param random a number in [0, 1) for jitter
 * @returns milliseconds to wait before the next attempt, or null to stop trying in this attempt
 */
export function retryDelay(failure: Failure, attempt: number, policy: RetryPolicy, random: number): number | null {
  if (failure.kind === 'permanent' || attempt >= policy.maxAttempts) return null;
  if (failure.kind === 'ratelimited') {
    const wait = Math.max(1, failure.retryAfterSeconds) * 1000;
    return wait <= policy.maxDelayMs ? wait : null;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** How long a durable write keeps waiting for Slack. */
export interface DeliveryPolicy {
  /** After this long since it was enqueued, a write still failing is dead-lettered (OUTBOX_MAX_AGE_MS). */
  maxAgeMs: number;
  /** The shortest wait between two attempts in the queue. */
  minDelayMs: number;
  /** The longest wait between two attempts in the queue (OUTBOX_RETRY_MAX_DELAY_MS). */
  maxDelayMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { maxAgeMs: 3_600_000, minDelayMs: 1000, maxDelayMs: 60_000 };

export type Redelivery = { action: 'retry'; delayMs: number } | { action: 'dead-letter' } | { action: 'fail' };

/**
 * What a durable write does after its short retries failed. The wait grows with the write's age (half of it, with
 * jitter, between the policy's bounds), so no attempt counter has to survive restarts, and a fleet of writes that
 * failed together does not come back together. The last try falls at the maximum age; a failure at or after it
 * dead-letters the write.
 *
 * @param ageMs time since the write was enqueued
 * @param random a number in [0, 1) for jitter
 */
export function redelivery(failure: Failure, ageMs: number, policy: DeliveryPolicy, random: number): Redelivery {
  if (failure.kind === 'permanent') return { action: 'fail' };
  const left = policy.maxAgeMs - ageMs;
  if (left <= 0) return { action: 'dead-letter' };
  let wait: number;
  if (failure.kind === 'ratelimited') {
    wait = Math.max(1, failure.retryAfterSeconds) * 1000;
  } else {
    const ceiling = Math.min(policy.maxDelayMs, Math.max(policy.minDelayMs, ageMs / 2));
    wait = Math.round(ceiling / 2 + (random * ceiling) / 2);
  }
  return { action: 'retry', delayMs: Math.min(wait, left) };
}

/** Reads a Retry-After header (seconds; Slack never sends the HTTP-date form). Missing or odd values mean 1 s. */
export function parseRetryAfter(value: string | null | undefined): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 1;
}
