import type { View } from '@slack/types';
import type { RouterDeps } from './router-deps.js';
import type { Routes } from './routes.js';

/**
 * Events API events, after dedupe on event_id: the Home tab (the platform composes it from every capability's
 * section) and whatever event types capabilities declare. Bolt has already acked; a failure is logged.
 */
export function registerEventRoutes(
  routes: Routes,
  deps: RouterDeps & { homeView(userId: string): Promise<View>; homeOpened(userId: string): Promise<void> },
): void {
  const log = deps.logger.child({ module: 'bot.events' });
  routes.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    // Remembered for live refreshes; without it (Redis away) Home is still published, just not refreshed.
    const remembered = deps.homeOpened(event.user).catch((error: Error) => {
      log.warn({ err: { message: error.message } }, 'could not remember who has the Home tab open');
    });
    try {
      await client.views.publish({ user_id: event.user, view: await deps.homeView(event.user) });
    } catch (error) {
      log.warn({ err: { message: (error as Error).message } }, 'could not publish the Home tab');
    }
    await remembered;
  });
  for (const type of deps.registry.eventTypes()) {
    routes.event(type, async ({ event }) => {
      for (const handler of deps.registry.eventHandlers(type)) {
        await handler
          .run(event as unknown as Record<string, unknown>)
          .catch((error: Error) => log.error({ type, err: { message: error.message } }, 'event handler failed'));
      }
    });
  }
}
