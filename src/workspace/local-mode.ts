import type { Env } from '../config/env.js';
import type { Logger } from '../log.js';
import type { SlackCredentials } from '../runtime.js';

/** Placeholder until the local workspace lands (issue #3). */
export async function startLocalMode(
  _env: Env,
  _logger: Logger,
): Promise<{ slack: SlackCredentials; env: Env; close(): Promise<void> }> {
  throw new Error('No Slack credentials: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (the local workspace is not built yet).');
}
