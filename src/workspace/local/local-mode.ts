import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { alertsConfig } from '../../alerts/api.js';
import { loadCatalogFor } from '../../catalog.js';
import type { Catalog } from '../../config/catalog.js';
import type { Env } from '../../config/env.js';
import { flagsConfig } from '../../flags/config.js';
import type { Logger } from '../../log.js';
import { connectRedis } from '../../redis/connections.js';
import { redisKeys } from '../../redis/keys.js';
import type { SlackTransport } from '../../runtime.js';
import { appFromManifest, type WorkspaceApp } from '../app-manifest.js';
import { createSlackServer, type SlackServer, type SlackServerOptions } from '../server.js';
import { openWorkspaceStore, type WorkspaceStore, wipePrefix } from '../store.js';
import { banner } from './banner.js';
import { startDemoAlerts } from './demo-alerts.js';
import { localDemoPanel } from './demo-panel.js';
import { type DemoService, startDemoService } from './demo-service.js';
import { type PrivateRedis, redisServerAvailable, startPrivateRedis } from './private-redis.js';

/**
 * Local mode (issue #3): with no Slack variable set, `npm start` runs Opsdeck against its own Slack-compatible
 * workspace, seeded from the catalog, with a Redis and a demo service, so every /ops command works out of the box.
 */
export interface LocalMode {
  /** The local workspace's credentials, fresh for every run. */
  slack: SlackTransport;
  /** `env` with the Redis actually used and the catalog path (ops.example.yml unless OPS_CONFIG was set). */
  env: Env;
  /** The catalog the workspace was seeded from; Opsdeck runs on the same one. */
  catalog: Catalog;
  /** The workspace itself, for in-process drivers (tests); people use its browser page. */
  workspace: SlackServer;
  /** Points the workspace at Opsdeck (`${opsdeckUrl}/slack/events`) and prints the banner ({@link banner}). */
  connect(opsdeckUrl: string): void;
  /** Stops the demo service, the workspace and the private redis-server, in that order (after Opsdeck has closed). */
  close(): Promise<void>;
}

/** Where the private redis-server keeps its AOF: across runs, so local state survives a restart. */
export const LOCAL_REDIS_DIR = '.opsdeck/redis';
/** The demo scripts' records (`scripts/demo-*.sh` write here, relative to the working directory). */
export const DEMO_DIR = '.opsdeck/demo';
export const EXAMPLE_CATALOG = 'ops.example.yml';

export type RedisChoice =
  | { kind: 'use'; url: string; source: 'explicit' | 'default' }
  | { kind: 'private' }
  | { kind: 'unavailable'; message: string };

/**
 * Which Redis local mode runs on: REDIS_URL when set (even if it is down: startup then says so), else whatever answers
 * at the default URL, else a private redis-server, else a message saying how to get one.
 */
export function chooseRedis(input: {
  explicit: boolean;
  url: string;
  defaultAnswers: boolean;
  binaryAvailable: boolean;
}): RedisChoice {
  if (input.explicit) return { kind: 'use', url: input.url, source: 'explicit' };
  if (input.defaultAnswers) return { kind: 'use', url: input.url, source: 'default' };
  if (input.binaryAvailable) return { kind: 'private' };
  return {
    kind: 'unavailable',
    message:
      `No Redis: nothing answers at ${new URL(input.url).host} and redis-server is not installed. ` +
      'Install it (apt-get install redis-server, or brew install redis) or set REDIS_URL.',
  };
}

/** The demo people of ops.example.yml; their ids are always seeded, so "*" roles have someone to act. */
const DEMO_USERS: Record<string, { name: string; realName: string }> = {
  U0ALICE: { name: 'alice', realName: 'Alice (deployer)' },
  U0BOB: { name: 'bob', realName: 'Bob (approver)' },
  U0ADMIN: { name: 'admin', realName: 'Admin (admin)' },
  U0CAROL: { name: 'carol', realName: 'Carol (responder)' },
  // Deployer and approver at once: her own Approve is refused for being the requester, which shows four-eyes.
  U0DANA: { name: 'dana', realName: 'Dana (deployer, approver)' },
};
/** Demo memberships of ops.example.yml's user groups; any other group gets every user. */
const DEMO_GROUPS: Record<string, string[]> = {
  S0DEVS: ['U0ALICE'],
  S0LEADS: ['U0BOB'],
  S0APITEAM: ['U0ALICE', 'U0BOB'],
};
export const GENERAL_CHANNEL = { id: 'C0GENERAL', name: 'general' };

export interface WorkspaceSeed {
  users: Array<{ id: string; name: string; realName: string }>;
  /** No `members`: the workspace makes every user and the bot a member. */
  channels: Array<{ id: string; name: string; isPrivate?: boolean }>;
  usergroups: Record<string, string[]>;
}

/** Users, user groups and channels for the local workspace, from the ids the catalog mentions. */
export function seedFromCatalog(catalog: Catalog): WorkspaceSeed {
  const members = [
    ...Object.values(catalog.roles).flat(),
    ...Object.values(catalog.services).flatMap((service) => service.owners),
  ];
  const userIds = new Set([...Object.keys(DEMO_USERS), ...members.filter((id) => /^[UW]/.test(id))]);
  const users = [...userIds].map((id) => ({ id, ...(DEMO_USERS[id] ?? { name: id.toLowerCase(), realName: id }) }));
  const allUsers = [...userIds];
  const usergroups: Record<string, string[]> = {};
  for (const id of members.filter((member) => member.startsWith('S'))) {
    usergroups[id] = (DEMO_GROUPS[id] ?? allUsers).filter((user) => userIds.has(user));
  }

  const channels: WorkspaceSeed['channels'] = [];
  const names = new Set<string>();
  const addChannel = (id: string | undefined, name: string) => {
    if (!id || channels.some((channel) => channel.id === id)) return;
    // Slack channel names are unique; a service called "alerts" next to the alerts channel gets its id appended.
    const unique = names.has(name) ? `${name}-${id.toLowerCase()}` : name;
    names.add(unique);
    channels.push({ id, name: unique, ...(id.startsWith('G') ? { isPrivate: true } : {}) });
  };
  addChannel(GENERAL_CHANNEL.id, GENERAL_CHANNEL.name);
  addChannel(catalog.slack.alertsChannel, 'alerts');
  addChannel(catalog.slack.incidentsChannel, 'incidents');
  for (const [name, service] of Object.entries(catalog.services)) addChannel(service.channel, name);
  return { users, channels, usergroups };
}

/** The app manifest beside the sources (src/ or dist/ alike): the local app is the one a team would install. */
const MANIFEST = fileURLToPath(new URL('../../../manifest.yml', import.meta.url));

/**
 * The app the local workspace runs, as manifest.yml declares it, owning `slashCommand` (SLASH_COMMAND may rename
 * /ops; the manifest's entry for its first command still says how Slack escapes it). No manifest: no shortcuts, no
 * event subscriptions.
 */
export function localApp(slashCommand: string, manifestPath = MANIFEST): WorkspaceApp {
  const declared = existsSync(manifestPath)
    ? appFromManifest(readFileSync(manifestPath, 'utf8'))
    : { commands: [], shortcuts: [], botEvents: [] };
  const own = declared.commands.find((c) => c.command === slashCommand) ?? declared.commands[0];
  return { ...declared, commands: [{ command: slashCommand, shouldEscape: own?.shouldEscape ?? false }] };
}

/** True when something at `url` answers PING with PONG within `timeoutMs` (raw RESP: no client, no retries). */
export function answersPing(url: string, timeoutMs = 500): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = connect(port ? Number(port) : 6379, hostname.replace(/^\[|\]$/g, ''));
    const finish = (answer: boolean) => {
      socket.destroy();
      done(answer);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(data.toString().startsWith('+PONG')));
  });
}

export interface LocalModeOptions {
  /** `npm start -- --fresh`: wipe Opsdeck's local data and the workspace's before starting. */
  fresh?: boolean;
}

/** `npm start`'s arguments (after `--`): `--fresh` only; anything else is refused with what is accepted. */
export function localArgs(argv: readonly string[]): LocalModeOptions {
  const unknown = argv.filter((arg) => arg !== '--fresh');
  if (unknown.length > 0) {
    throw new Error(
      `unknown argument ${unknown.map((arg) => JSON.stringify(arg)).join(', ')}: ` +
        '`npm start` takes only --fresh (wipe Opsdeck’s local data and the workspace, then start)',
    );
  }
  return argv.includes('--fresh') ? { fresh: true } : {};
}

/**
 * Starts local mode: catalog, Redis, the workspace (as the last run left it), then the demo service. Anything started
 * is stopped again if a later step fails; `close()` stops them in reverse order.
 */
export async function startLocalMode(
  env: Env,
  logger: Logger,
  /** The raw environment, for `${VAR}` in the catalog (as for any catalog). */
  source: Record<string, string | undefined>,
  options: LocalModeOptions = {},
): Promise<LocalMode> {
  const log = logger.child({ module: 'workspace.local-mode' });
  const opsConfig = env.opsConfig.explicit ? env.opsConfig : { path: EXAMPLE_CATALOG, explicit: true };
  const catalog = await loadCatalogFor({ ...env, opsConfig }, source, logger);

  const stack: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const stop of stack.splice(0).reverse()) {
      await stop().catch((err: unknown) => log.error({ err }, 'local mode: stopping a component failed'));
    }
  };
  try {
    const keys = redisKeys(env.redis.prefix, { hashTag: env.redis.hashTag });
    const redis = await localRedis(env, log, options.fresh === true);
    if (redis.owned) stack.push(redis.owned);
    // The workspace lives in Opsdeck's Redis under its own prefix (why: src/workspace/store.ts), reached as Opsdeck
    // reaches it; closed after the workspace, so its last writes are flushed, and before Redis stops.
    const connections = connectRedis({ url: redis.url, topology: env.redis.topology }, keys, logger);
    stack.push(() => connections.close());
    const client = connections.connect('subscriber');
    // --fresh on a Redis shared with others: only this installation's keys go (a private one started empty).
    if (options.fresh && !redis.owned) {
      const deleted = await wipePrefix(client, keys.prefix);
      log.info({ deleted, prefix: keys.prefix }, '--fresh: deleted Opsdeck’s and the workspace’s keys');
    }
    const store: WorkspaceStore = await openWorkspaceStore({ client, root: keys.workspace, logger });
    stack.push(() => store.close());

    const botToken = `xoxb-local-${randomBytes(12).toString('hex')}`;
    const signingSecret = randomBytes(32).toString('hex');
    const workspace = await startWorkspace(
      env.workspace.port,
      botToken,
      signingSecret,
      {
        ...seedFromCatalog(catalog),
        app: localApp(env.slashCommand),
        persistence: { journal: store.journal, ...(store.stored ? { restore: store.stored } : {}) },
      },
      logger,
    );
    stack.push(() => workspace.close());

    // The demo alert sender answers where ops.yml's alerts.alertmanagerUrl points, when that is this machine.
    const { alertmanagerUrl } = alertsConfig.of(catalog);
    const amUrl = alertmanagerUrl ? new URL(alertmanagerUrl) : undefined;
    const demoAlerts =
      amUrl && ['127.0.0.1', 'localhost'].includes(amUrl.hostname)
        ? await startDemoAlerts({ port: Number(amUrl.port || 80), logger })
        : undefined;
    if (demoAlerts) stack.push(() => demoAlerts.close());
    const webhookToken = env.webhookToken ?? randomBytes(24).toString('hex');

    const demo: DemoService | undefined = await startDemoService({
      port: env.workspace.demoServicePort,
      restartsLog: resolve(DEMO_DIR, 'restarts.log'),
      logger,
      onHealthChange: (healthy) => void demoAlerts?.healthChanged(healthy),
    });
    if (demo) stack.push(() => demo.close());

    return {
      slack: { mode: 'http', botToken, signingSecret, apiUrl: workspace.apiUrl },
      env: { ...env, redis: { ...env.redis, url: redis.url }, opsConfig, webhookToken },
      catalog,
      workspace,
      connect(opsdeckUrl) {
        workspace.setRequestUrl(`${opsdeckUrl}/slack/events`);
        demoAlerts?.connect(opsdeckUrl, webhookToken);
        // The demo service reads its flag over OFREP with the first flag environment's token, as an app would.
        const [flagToken] = Object.values(flagsConfig.of(catalog)?.environments ?? {});
        if (demo && flagToken) {
          demo.connectFlags(opsdeckUrl, flagToken.token).catch((err) => log.warn({ err }, 'demo flag not connected'));
        }
        const panel = localDemoPanel({ catalog, ...(demo ? { demo } : {}), opsdeckUrl, webhookToken, logger });
        workspace.setDemoPanel(panel);
        process.stdout.write(
          banner({
            workspaceUrl: workspace.url,
            opsdeckUrl,
            redis: redis.description,
            ...(demo ? { demoServiceUrl: demo.url } : {}),
            demoPanel: panel.actions.length > 0,
          }),
        );
        log.info(
          { workspaceUrl: workspace.url, opsdeckUrl, redis: redis.description, demoServiceUrl: demo?.url },
          'local workspace ready: open it in a browser',
        );
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The Redis local mode uses. With `fresh`, a private server starts empty: its directory is removed first. */
async function localRedis(
  env: Env,
  log: Logger,
  fresh: boolean,
): Promise<{ url: string; description: string; owned?: () => Promise<void> }> {
  const defaultAnswers = !env.redis.explicit && (await answersPing(env.redis.url));
  const choice = chooseRedis({
    explicit: env.redis.explicit,
    url: env.redis.url,
    defaultAnswers,
    binaryAvailable: !env.redis.explicit && !defaultAnswers && redisServerAvailable(),
  });
  switch (choice.kind) {
    case 'use':
      // Host only: an explicit REDIS_URL may carry a password.
      return {
        url: choice.url,
        description: `${new URL(choice.url).host} (${choice.source === 'explicit' ? 'REDIS_URL' : 'already running'})`,
      };
    case 'unavailable':
      throw new Error(choice.message);
    case 'private': {
      const redis: PrivateRedis = await startPrivateRedis({ dir: resolve(LOCAL_REDIS_DIR), fresh });
      if (fresh) log.info({ dir: LOCAL_REDIS_DIR }, '--fresh: removed the private redis-server’s data');
      // Safety net: if the process dies without closing local mode, still ask the server to stop (SIGTERM, AOF kept).
      const onExit = () => void redis.stop();
      process.once('exit', onExit);
      log.info({ port: redis.port, dir: LOCAL_REDIS_DIR }, 'started a private redis-server');
      return {
        url: redis.url,
        description: `private redis-server on port ${redis.port}, data in ${LOCAL_REDIS_DIR}`,
        owned: async () => {
          process.off('exit', onExit);
          await redis.stop();
          log.info('private redis-server stopped');
        },
      };
    }
  }
}

async function startWorkspace(
  port: number,
  botToken: string,
  signingSecret: string,
  seed: WorkspaceSeed & { app: WorkspaceApp; persistence: SlackServerOptions['persistence'] },
  logger: Logger,
): Promise<SlackServer> {
  try {
    return await createSlackServer({
      port,
      host: '127.0.0.1',
      botToken,
      signingSecret,
      ...seed,
      // The local workspace enforces Slack's rate limits so that problems show up before production.
      rateLimits: true,
      logger,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`WORKSPACE_PORT: port ${port} is in use (set WORKSPACE_PORT to another port, or 0 for any)`);
    }
    throw error;
  }
}
