/**
 * When to try a Slack call again, and after how long. Pure, so the policy is tested without a clock.
 * - 429: wait what `Retry-After` says (Slack's documented contract), never less.
 * - 5xx, timeouts and connection errors: exponential backoff with full jitter, capped.
 * - Anything else (4xx, Slack platform errors like `channel_not_found`): retrying will not help.
 */
export type Failure =
  | { kind: 'ratelimited'; retryAfterSeconds: number }
  | { kind: 'server'; status: number }
  | { kind: 'network' }
  | { kind: 'permanent' };

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 30_000 };

/**
 * @param attempt the attempt that just failed, from 1
 * @param random a number in [0, 1) for jitter
 * @returns milliseconds to wait before the next attempt, or null to give up
 */
export function retryDelay(failure: Failure, attempt: number, policy: RetryPolicy, random: number): number | null {
  if (failure.kind === 'permanent' || attempt >= policy.maxAttempts) return null;
  if (failure.kind === 'ratelimited') return Math.max(1, failure.retryAfterSeconds) * 1000;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random * ceiling) / 2);
}

/** Reads a Retry-After header (seconds; Slack never sends the HTTP-date form). Missing or odd values mean 1 s. */
export function parseRetryAfter(value: string | null | undefined): number {
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 1;
}
