import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import { wellFormed } from '../../platform/text.js';
import type { Routes } from '../router/routes.js';

/**
 * Opsdeck's one Bolt middleware (one, because Bolt makes every middleware and listener a hop for every request: see
 * router/routes.ts), for every payload over HTTP and Socket Mode alike:
 *
 * 1. Every string of the payload (commands, interactions, view submissions, shortcuts, events) is made well-formed
 *    before any handler sees it: Bolt hands handlers parts of this same body, so fixing it in place fixes `command`,
 *    `action`, `view` and `event` too (see platform/text.ts for why).
 * 2. Slack retries an event it thinks was not delivered (x-slack-retry-num), and event_id is globally unique: a
 *    retried or replayed event is acknowledged (Bolt has) and dropped here, so it causes one job at most.
 * 3. The router's handler for it runs.
 */
export function incoming(
  firstSeenEvent: (eventId: string) => Promise<boolean>,
  routes: Routes,
): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    wellFormed(args.body);
    const eventId = (args.body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await firstSeenEvent(eventId))) return;
    if (!(await routes.dispatch(args))) await args.next();
  };
}
