import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, vi } from 'vitest';
import { parseCatalog } from '../../src/catalog.js';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/log.js';
import type { CapabilityDefinition } from '../../src/platform/capability.js';
import { type Opsdeck, slackTransport, startOpsdeck } from '../../src/runtime.js';
import { appFromManifest, type WorkspaceApp } from '../../src/workspace/app-manifest.js';
import { createSlackServer, type SlackServer } from '../../src/workspace/server.js';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from './redis.js';
import { repoRoot } from './repo.js';

export const USERS = {
  alice: 'U0ALICE',
  bob: 'U0BOB',
  admin: 'U0ADMIN',
  carol: 'U0CAROL',
  lead: 'U0LEAD',
} as const;

export const CHANNEL = 'C0OPS';

/** The roles the end-to-end tests run against: a user, a user group and "*" all appear. */
export const TEST_OPS_YML = `
slack:
  alertsChannel: C0ALERTS
  incidentsChannel: C0INCIDENTS
roles:
  responder: ["*"]
  deployer: [S0DEVS, U0ALICE]
  approver: [S0LEADS, U0BOB]
  admin: [U0ADMIN, S0ADMINS]
`;

/** The test roles plus a `services:` section (its entries indented by two spaces). */
export function servicesYml(services: string): string {
  return `${TEST_OPS_YML}\nservices:${services}`;
}

export interface Harness {
  slack: SlackServer;
  opsdeck: Opsdeck;
  prefix: string;
  botToken: string;
  signingSecret: string;
  env: Record<string, string>;
  /** The bot's log lines (pino JSON) when started with `keepLogs`, for a test to show when it fails. */
  logs: string[];
  close(): Promise<void>;
}

function withTestDeclarations(app: WorkspaceApp, extra: Partial<WorkspaceApp> = {}): WorkspaceApp {
  return {
    ...app,
    shortcuts: [...app.shortcuts, ...(extra.shortcuts ?? [])],
    botEvents: [...new Set([...app.botEvents, ...(extra.botEvents ?? [])])],
  };
}

/**
 * Opsdeck in one process against the Slack-compatible server, over real HTTP, on the suite's private Redis under a
 * key prefix of its own.
 */
export async function startHarness(
  options: {
    env?: Record<string, string>;
    opsYml?: string;
    socketMode?: boolean;
    /** Capabilities to run instead of src/capabilities.ts's list (a test may add one of its own). */
    capabilities?: readonly CapabilityDefinition[];
    /** The platform clock (`services.now`), for tests that drive time. */
    now?: () => Date;
    /**
     * Shortcuts and event subscriptions a test's own capability declares, added to manifest.yml's (the workspace
     * delivers only subscribed events and lists only declared shortcuts, as Slack does).
     */
    app?: Partial<Pick<WorkspaceApp, 'shortcuts' | 'botEvents'>>;
    /** Keep the bot's log lines (level debug) in `logs` instead of discarding them. */
    keepLogs?: boolean;
  } = {},
): Promise<Harness> {
  const botToken = `xoxb-test-${randomBytes(8).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  // With an app-level token the workspace speaks Socket Mode only, as a Slack app with Socket Mode on does.
  const appToken = options.socketMode ? `xapp-1-A0OPSDECK1-${randomBytes(8).toString('hex')}` : undefined;
  const prefix = uniquePrefix();
  const slack = await createSlackServer({
    botToken,
    signingSecret,
    appToken,
    users: Object.entries(USERS).map(([name, id]) => ({ id, name })),
    channels: [{ id: CHANNEL, name: 'ops', members: Object.values(USERS) }],
    usergroups: { S0DEVS: [], S0LEADS: [USERS.lead], S0ADMINS: [USERS.lead] },
    // Opsdeck as manifest.yml declares it: its commands (anything else typed on the page is answered by Slack's
    // client), their should_escape, its shortcuts and the events it subscribed to.
    app: withTestDeclarations(appFromManifest(readFileSync(join(repoRoot, 'manifest.yml'), 'utf8')), options.app),
  });
  const envVars: Record<string, string> = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    ...(appToken ? { SLACK_APP_TOKEN: appToken } : {}),
    REDIS_URL: redisUrl(),
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const env = loadEnv(envVars);
  if (env.slack.mode === 'local') throw new Error('the harness always gives Slack credentials');
  const { catalog } = parseCatalog(options.opsYml ?? TEST_OPS_YML, envVars);
  const logs: string[] = [];
  const opsdeck = await startOpsdeck({
    env,
    slack: slackTransport(env.slack),
    catalog,
    logger: options.keepLogs
      ? createLogger({ level: 'debug', destination: { write: (line: string) => logs.push(line) } })
      : createLogger({ level: 'silent' }),
    capabilities: options.capabilities,
    now: options.now,
  });
  if (!appToken) slack.setRequestUrl(`${opsdeck.url}/slack/events`);
  return {
    slack,
    opsdeck,
    prefix,
    botToken,
    signingSecret,
    env: envVars,
    logs,
    async close() {
      await opsdeck.close();
      await slack.close();
      const redis = redisClient();
      await deletePrefix(redis, prefix);
      redis.disconnect();
    },
  };
}

/** `/ops <text>` as `userId` in `channelId`, and the ephemeral answer: its text, then its blocks as JSON. */
export async function answerIn(h: Harness, userId: string, channelId: string, text: string): Promise<string> {
  const before = h.slack.calls.length;
  const res = await h.slack.sendCommand({ userId, channelId, text });
  if (res.status !== 200) throw new Error(`/ops ${text}: HTTP ${res.status}`);
  const body = res.body as { text?: string; blocks?: unknown } | string;
  if (typeof body === 'object' && body?.text) return `${body.text}\n${JSON.stringify(body.blocks)}`;
  const reply = await h.slack.waitForCall(
    (c) =>
      h.slack.calls.indexOf(c) >= before && c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    15_000,
  );
  return `${String(reply.params.text)}\n${JSON.stringify(reply.params.blocks)}`;
}

/** The first message (not an ephemeral one) in `channelId` whose text matches `pattern`, once there is one. */
export function waitForMessage(h: Harness, channelId: string, pattern: RegExp): Promise<WorkspaceMessage> {
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(channelId) ?? []).find((m) => !m.ephemeralFor && pattern.test(m.text));
      expect(found, `a message matching ${pattern} in ${channelId}`).toBeDefined();
      return found!;
    },
    { timeout: 15_000, interval: 20 },
  );
}
