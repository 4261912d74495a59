import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import type { Logger } from '../log.js';

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

/** Slack's answers that mean the token itself is refused: starting anyway would only fail every request later. */
const REFUSED_TOKEN_ERRORS = new Set([
  'not_authed',
  'invalid_auth',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

/** The `error` of a Slack platform error (`{ok: false, error}`), if that is what `error` is. */
export function slackErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; data?: { error?: unknown } } | undefined;
  return e?.code === ErrorCode.PlatformError && typeof e.data?.error === 'string' ? e.data.error : undefined;
}

/**
 * auth.test at start. A refused token stops Opsdeck with a line naming SLACK_BOT_TOKEN; an unreachable Slack does not
 * (a Slack outage must not keep Opsdeck from restarting; calls fail and retry later as they would anyway).
 */
export async function checkBotToken(client: WebClient, logger: Logger): Promise<void> {
  try {
    await client.auth.test();
  } catch (error) {
    const code = slackErrorCode(error);
    if (code && REFUSED_TOKEN_ERRORS.has(code))
      throw new Error(`SLACK_BOT_TOKEN: Slack refused the bot token (${code})`);
    logger.warn({ err: { message: (error as Error).message } }, 'could not check the bot token with auth.test');
  }
}
