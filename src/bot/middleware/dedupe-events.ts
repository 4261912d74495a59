import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';

/**
 * Slack retries an event it thinks was not delivered (x-slack-retry-num), and event_id is globally unique: a
 * retried or replayed event is acknowledged and dropped here, so it causes one job at most.
 */
export function dedupeEvents(firstSeen: (eventId: string) => Promise<boolean>): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await firstSeen(eventId))) return;
    await next();
  };
}
