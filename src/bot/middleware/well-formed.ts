import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { wellFormed } from '../../platform/text.js';

/**
 * Every string of every Slack payload (commands, interactions, view submissions, shortcuts, events; over HTTP and
 * Socket Mode alike) made well-formed before any handler sees it: Bolt hands listeners parts of this same body, so
 * fixing it in place fixes `command`, `action`, `view` and `event` too (see platform/text.ts for why).
 */
export function wellFormedBody(): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    wellFormed(body);
    await next();
  };
}
