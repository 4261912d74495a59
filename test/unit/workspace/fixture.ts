import { type Logger, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach } from 'vitest';
import { createSlackServer, type SlackServer, type SlackServerOptions } from '../../../src/workspace/server.js';
import { type BotReceiver, startBotReceiver } from './bot-receiver.js';

/** The Slack SDKs log Slack's error answers; these tests provoke them on purpose. */
export const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

export interface WorkspaceFixture {
  server: SlackServer;
  bot: BotReceiver;
  client: WebClient;
  close(): Promise<void>;
}

/**
 * A workspace with two users and #ops, a signature-checking bot receiver, and a WebClient that never retries;
 * `options` override the server's (other channels, a declared app).
 */
export async function startWorkspace(
  secret: string,
  botToken: string,
  now: () => number,
  options: Partial<SlackServerOptions> = {},
): Promise<WorkspaceFixture> {
  const bot = await startBotReceiver(secret);
  const server = await createSlackServer({
    botToken,
    signingSecret: secret,
    requestUrl: bot.url,
    now,
    users: [
      { id: 'U1', name: 'alice' },
      { id: 'U2', name: 'bob' },
    ],
    channels: [{ id: 'C1', name: 'ops' }],
    ...options,
  });
  const client = new WebClient(botToken, {
    slackApiUrl: server.apiUrl,
    retryConfig: { retries: 0 },
    logger: quietLogger,
  });
  return {
    server,
    bot,
    client,
    async close() {
      await server.close();
      await bot.close();
    },
  };
}

/** A fresh workspace for each test of the calling file, on a clock the test moves by assigning `clock`. */
export interface WorkspaceEachTest extends WorkspaceFixture {
  clock: number;
}

export function useWorkspace(secret: string, botToken: string): WorkspaceEachTest {
  const ws = { clock: 0 } as WorkspaceEachTest;
  beforeEach(async () => {
    ws.clock = 1_700_000_000_000;
    Object.assign(ws, await startWorkspace(secret, botToken, () => ws.clock));
  });
  afterEach(() => ws.close());
  return ws;
}
