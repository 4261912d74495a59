import type { WebClient } from '@slack/web-api';
import { slackErrorCode } from '../client.js';
import { type Failure, parseRetryAfter } from '../retry-policy.js';

/** One try at a Slack call: its value, or why it failed (for the retry rules) and Slack's error code (for logs). */
export type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; failure: Failure; error: string };

/** A request to Slack that hangs must not hold a worker forever. */
const REQUEST_TIMEOUT_MS = 10_000;

/** POSTs a JSON message to a `response_url` once. */
export async function postToResponseUrl(
  url: string,
  message: unknown,
  signal?: AbortSignal,
): Promise<AttemptOutcome<undefined>> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
      signal: timeoutSignal(signal),
    });
    const body = await response.text();
    if (response.ok) return { ok: true, value: undefined };
    if (response.status === 429) {
      return {
        ok: false,
        failure: { kind: 'ratelimited', retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')) },
        error: 'ratelimited',
      };
    }
    if (response.status >= 500) {
      return { ok: false, failure: { kind: 'server', status: response.status }, error: `http_${response.status}` };
    }
    return { ok: false, failure: { kind: 'permanent' }, error: slackErrorOf(body) ?? `http_${response.status}` };
  } catch (error) {
    if (signal?.aborted) throw error;
    return { ok: false, failure: { kind: 'network' }, error: (error as Error).name || 'network_error' };
  }
}

/** Calls a Web API method once (the client never retries or queues by itself: the outbox decides). */
export async function callWebApi<T>(
  client: WebClient,
  method: string,
  args: Record<string, unknown>,
): Promise<AttemptOutcome<T>> {
  try {
    return { ok: true, value: (await client.apiCall(method, args)) as T };
  } catch (error) {
    return { ok: false, ...classifyWebApiError(error) };
  }
}

function timeoutSignal(signal?: AbortSignal): AbortSignal {
  const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
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

/** `{ok: false}` answers that Slack documents as its own trouble, not the request's: worth trying again. */
const TEMPORARY_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** Maps @slack/web-api's error codes (ErrorCode in its errors.ts) onto the retry rules. */
function classifyWebApiError(error: unknown): { failure: Failure; error: string } {
  const e = error as { code?: string; retryAfter?: number; statusCode?: number };
  switch (e.code) {
    case 'slack_webapi_rate_limited_error':
      return { failure: { kind: 'ratelimited', retryAfterSeconds: e.retryAfter ?? 1 }, error: 'ratelimited' };
    case 'slack_webapi_http_error':
      return (e.statusCode ?? 0) >= 500
        ? { failure: { kind: 'server', status: e.statusCode ?? 500 }, error: `http_${e.statusCode}` }
        : { failure: { kind: 'permanent' }, error: `http_${e.statusCode}` };
    case 'slack_webapi_request_error':
      return { failure: { kind: 'network' }, error: 'request_error' };
    case 'slack_webapi_platform_error': {
      const code = slackErrorCode(error) ?? 'platform_error';
      return {
        failure: TEMPORARY_PLATFORM_ERRORS.has(code) ? { kind: 'server', status: 200 } : { kind: 'permanent' },
        error: code,
      };
    }
    default:
      return { failure: { kind: 'network' }, error: 'unknown_error' };
  }
}
