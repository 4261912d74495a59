import { setTimeout as delay } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import { SlackApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { slackErrorCode } from './client.js';
import { DEFAULT_RETRY_POLICY, type Failure, parseRetryAfter, type RetryPolicy, retryDelay } from './retry-policy.js';

/** A reply through a `response_url` (slack-platform.md §3). */
export interface ResponseMessage {
  text: string;
  blocks?: unknown[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
}

/**
 * Every Slack write from a worker goes through here, so pacing to Slack's rate limits, retries and coalescing of edits
 * live in one place. Today it retries with the policy in `retry-policy.ts`, honouring `Retry-After`; a permanent error
 * becomes a SlackApiError.
 */
export class SlackOutbox {
  private readonly log: Logger;

  constructor(
    private readonly client: WebClient,
    logger: Logger,
    private readonly metrics: Metrics,
    private readonly policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.log = logger.child({ module: 'slack.outbox' });
  }

  /** Posts to the `response_url` Slack sent, exactly as given. */
  async respond(responseUrl: string, message: ResponseMessage, signal?: AbortSignal): Promise<void> {
    await this.withRetries('response_url', signal, async () => {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        signal: timeoutSignal(signal),
      });
      const body = await response.text();
      if (response.ok) return { ok: true as const, value: undefined };
      if (response.status === 429) {
        return {
          ok: false as const,
          failure: {
            kind: 'ratelimited',
            retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
          } satisfies Failure,
          error: 'ratelimited',
        };
      }
      if (response.status >= 500)
        return {
          ok: false as const,
          failure: { kind: 'server', status: response.status } satisfies Failure,
          error: `http_${response.status}`,
        };
      return {
        ok: false as const,
        failure: { kind: 'permanent' } satisfies Failure,
        error: slackErrorOf(body) ?? `http_${response.status}`,
      };
    });
  }

  /** Calls a Web API method (the client is set to never retry or queue by itself: this module decides). */
  async call<T = Record<string, unknown>>(
    method: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> {
    return this.withRetries(method, signal, async () => {
      try {
        const result = await this.client.apiCall(method, args);
        return { ok: true as const, value: result as T };
      } catch (error) {
        const { failure, code } = classifyWebApiError(error);
        return { ok: false as const, failure, error: code };
      }
    });
  }

  private async withRetries<T>(
    method: string,
    signal: AbortSignal | undefined,
    attemptOnce: () => Promise<{ ok: true; value: T } | { ok: false; failure: Failure; error: string }>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let outcome: Awaited<ReturnType<typeof attemptOnce>>;
      try {
        outcome = await attemptOnce();
      } catch (error) {
        if (signal?.aborted) throw error;
        outcome = { ok: false, failure: { kind: 'network' }, error: (error as Error).name || 'network_error' };
      }
      if (outcome.ok) {
        this.metrics.slackCalls.inc({ method, outcome: 'ok' });
        return outcome.value;
      }
      const wait = retryDelay(outcome.failure, attempt, this.policy, Math.random());
      this.metrics.slackCalls.inc({
        method,
        outcome: outcome.failure.kind === 'ratelimited' ? 'ratelimited' : wait === null ? 'error' : 'retried',
      });
      if (wait === null) throw new SlackApiError(method, outcome.error);
      this.log.warn({ method, attempt, waitMs: wait, error: outcome.error }, 'slack call failed; retrying');
      await delay(wait, undefined, { signal });
    }
  }
}

/** A request to Slack that hangs must not hold a worker forever. */
function timeoutSignal(signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(10_000);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}

function slackErrorOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return /^[a-z_]{3,64}$/.test(body.trim()) ? body.trim() : undefined;
  }
}

/** Maps @slack/web-api's error codes (ErrorCode in its errors.ts) onto the retry policy. */
function classifyWebApiError(error: unknown): { failure: Failure; code: string } {
  const e = error as { code?: string; retryAfter?: number; statusCode?: number };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { failure: { kind: 'ratelimited', retryAfterSeconds: e.retryAfter ?? 1 }, code: 'ratelimited' };
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 0) >= 500
        ? { failure: { kind: 'server', status: e.statusCode ?? 500 }, code: `http_${e.statusCode}` }
        : { failure: { kind: 'permanent' }, code: `http_${e.statusCode}` };
    case 'slack_webapi_request_error':
      return { failure: { kind: 'network' }, code: 'request_error' };
    case 'slack_webapi_platform_error':
      return { failure: { kind: 'permanent' }, code: slackErrorCode(error) ?? 'platform_error' };
    default:
      return { failure: { kind: 'network' }, code: 'unknown_error' };
  }
}
