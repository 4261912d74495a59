import { LogLevel, WebClient } from '@slack/web-api';

/**
 * A Web API client that neither retries nor queues on its own: the outbox (writes) and the callers (reads) decide,
 * so a 429 surfaces at once instead of pausing the client's whole queue for Retry-After.
 */
export function createSlackClient(token: string, apiUrl: string | undefined): WebClient {
  return new WebClient(token, {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.ERROR,
  });
}
