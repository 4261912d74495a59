import { App, HTTPReceiver, SocketModeReceiver } from '@slack/bolt';
import type { View } from '@slack/types';
import type { Logger } from '../log.js';
import { slackErrorCode } from '../slack/client.js';
import { boltLogger } from './bolt-logger.js';
import { incoming } from './middleware/incoming.js';
import { registerCommandRoute } from './router/command-route.js';
import { registerEventRoutes } from './router/event-routes.js';
import { registerInteractionRoutes } from './router/interaction-routes.js';
import type { RouterDeps } from './router/router-deps.js';
import { Routes } from './router/routes.js';

export type SlackTransport =
  | { mode: 'http'; botToken: string; signingSecret: string; apiUrl?: string }
  | { mode: 'socket'; botToken: string; appToken: string; apiUrl?: string };

export interface Bot {
  app: App;
  /** Bolt's request listener (HTTP mode): the Slack endpoint hands verified requests to it. */
  receiver?: HTTPReceiver;
  /** Connects Socket Mode; nothing to do in HTTP mode (the Opsdeck HTTP server carries the endpoint). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Socket Mode only: whether the WebSocket to Slack is up (in HTTP mode Slack comes to us). */
  connected?(): boolean;
}

export type BotDeps = RouterDeps & {
  homeView(userId: string): Promise<View>;
  /** Remembers that the user has Home open, so changes republish it (see home-refresh.ts). */
  homeOpened(userId: string): Promise<void>;
};

export function createBot(transport: SlackTransport, deps: BotDeps, logger: Logger): Bot {
  const clientOptions = transport.apiUrl ? { slackApiUrl: transport.apiUrl } : {};
  const log = boltLogger(logger);
  // Bolt's default conversation store keeps state in process memory (Opsdeck processes keep none; state lives in
  // Redis) and builds an Error with a stack trace on every request that has no stored conversation.
  const common = { clientOptions, logger: log, convoStore: false as const };
  let bot: Bot;
  if (transport.mode === 'http') {
    const receiver = new HTTPReceiver({
      signingSecret: transport.signingSecret,
      // Opsdeck's Slack endpoint verifies first (rejecting future timestamps too, which Bolt does not).
      signatureVerification: false,
      processBeforeResponse: false,
      logger: log,
    });
    const app = new App({ token: transport.botToken, receiver, ...common });
    bot = { app, receiver, start: async () => {}, stop: async () => {} };
  } else {
    const receiver = new SocketModeReceiver({
      appToken: transport.appToken,
      logger: log,
      // apps.connections.open goes to SLACK_API_URL too. A copy: the Socket Mode client writes its own retry policy
      // into the options it is given, which must not change the Web API client's.
      installerOptions: { clientOptions: { ...clientOptions } },
    });
    let connected = false;
    receiver.client.on('connected', () => {
      connected = true;
    });
    for (const state of ['close', 'disconnected', 'reconnecting'] as const) {
      receiver.client.on(state, () => {
        connected = false;
      });
    }
    const app = new App({ token: transport.botToken, receiver, ...common });
    bot = {
      app,
      start: async () => {
        try {
          await app.start();
        } catch (error) {
          const reason = slackErrorCode(error) ?? (error as Error).message;
          throw new Error(`SLACK_APP_TOKEN: cannot open a Socket Mode connection (${reason})`);
        }
      },
      stop: async () => void (await app.stop()),
      connected: () => connected,
    };
  }
  bot.app.error(async (error) => {
    logger
      .child({ module: 'bot' })
      .error({ err: { message: error.message, code: error.code } }, 'unhandled bolt error');
  });
  const routes = new Routes();
  registerCommandRoute(routes, deps);
  registerInteractionRoutes(routes, deps);
  registerEventRoutes(routes, deps);
  bot.app.use(incoming(deps.firstSeen('event'), routes));
  return bot;
}
