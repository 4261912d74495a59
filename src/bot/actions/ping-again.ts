import type { App, BlockAction } from '@slack/bolt';
import { PING_AGAIN_ACTION } from '../blocks/ping-reply.js';
import type { BotDeps } from '../listeners.js';

/**
 * "Ping again" on a pong: acks at once and enqueues a ping whose answer replaces the clicked message through the
 * action's response_url. A replayed click (same trigger_id) enqueues nothing.
 */
export function registerPingAgain(app: App, deps: BotDeps): void {
  const firstSeen = deps.firstSeen('action');
  app.action<BlockAction>(PING_AGAIN_ACTION, async ({ ack, body }) => {
    await ack();
    if (!(await firstSeen(body.trigger_id))) return;
    await deps.queues.enqueuePing(
      { responseUrl: body.response_url, userId: body.user.id, replaceOriginal: true },
      body.trigger_id,
    );
  });
}
