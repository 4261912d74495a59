import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import { type RetryPolicy, retryDelay } from '../retry-policy.js';
import type { AttemptOutcome } from './attempt.js';

export interface ShortRetryContext {
  policy: RetryPolicy;
  metrics: Metrics;
  log: Logger;
  random: () => number;
  signal?: AbortSignal;
  /** Slack answered 429: tell the shared pacer, so no other process calls into the same wall. */
  onRateLimited?: (retryAfterMs: number) => Promise<void>;
}

/**
 * Tries a Slack call a few times within one job attempt (a blip of a 5xx or a reset connection costs a few hundred
 * milliseconds, not a trip through the queue) and returns the last outcome. Every try is counted in
 * `opsdeck_slack_api_calls_total`.
 */
export async function withShortRetries<T>(
  method: string,
  once: () => Promise<AttemptOutcome<T>>,
  ctx: ShortRetryContext,
): Promise<AttemptOutcome<T>> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await once();
    if (outcome.ok) {
      ctx.metrics.slackCalls.inc({ method, outcome: 'ok' });
      return outcome;
    }
    const { failure } = outcome;
    if (failure.kind === 'ratelimited') await ctx.onRateLimited?.(failure.retryAfterSeconds * 1000);
    const wait = retryDelay(failure, attempt, ctx.policy, ctx.random());
    ctx.metrics.slackCalls.inc({
      method,
      outcome: failure.kind === 'ratelimited' ? 'ratelimited' : wait === null ? 'error' : 'retried',
    });
    if (wait === null) return outcome;
    ctx.log.warn({ method, attempt, waitMs: wait, error: outcome.error }, 'slack call failed; retrying');
    await delay(wait, undefined, { signal: ctx.signal });
  }
}
