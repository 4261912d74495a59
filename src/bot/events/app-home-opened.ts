import type { App } from '@slack/bolt';
import { homeView } from '../blocks/home-view.js';
import type { BotDeps } from '../listeners.js';

/**
 * Publishes the Home tab when a user opens it. Bolt has already acked the event; views.publish is one fast call, so
 * it runs here rather than in a worker. A failure is logged: the user just sees the previous Home tab.
 */
export function registerAppHomeOpened(app: App, deps: BotDeps): void {
  const log = deps.logger.child({ module: 'bot.home' });
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    try {
      await client.views.publish({ user_id: event.user, view: homeView(deps.slashCommand) as never });
    } catch (error) {
      log.warn({ err: { message: (error as Error).message } }, 'could not publish the Home tab');
    }
  });
}
