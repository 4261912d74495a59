import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Permissions } from './access/permissions.js';
import { UsergroupCache } from './access/usergroups.js';
import { approvalGates, gateActions } from './approvals/gate-actions.js';
import { type Bot, createBot, type SlackTransport } from './bot/app.js';
import { homeView } from './bot/home.js';
import { HomeViewers, homePublishHandler, homeRefresh } from './bot/home-refresh.js';
import { CAPABILITIES } from './capabilities.js';
import type { Catalog } from './config/catalog.js';
import type { Env, SlackEnv } from './config/env.js';
import { isCodedError } from './errors.js';
import { routesEndpoint } from './http/routes.js';
import { createHttpServer, type Readiness } from './http/server.js';
import { slackEndpoint } from './http/slack-endpoint.js';
import { heartbeatHandler, heartbeatQueue, scheduleHeartbeat } from './jobs/heartbeat.js';
import { JobQueues } from './jobs/queues.js';
import { ScheduleSync } from './jobs/schedules.js';
import { startWorkers, type WorkerPool } from './jobs/workers.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { AuditLog } from './platform/audit-log.js';
import { buildCapability, type CapabilityDefinition, type JobHandler } from './platform/capability.js';
import { RefusalThrottle } from './platform/refusal-throttle.js';
import { Registry } from './platform/registry.js';
import type { Services } from './platform/services.js';
import { checkRedis, connectRedis, type RedisConnections } from './redis/connections.js';
import { redisKeys } from './redis/keys.js';
import { Subscriptions } from './redis/pubsub.js';
import { checkBotToken, createSlackClient } from './slack/client.js';
import { SlackOutbox } from './slack/outbox/outbox.js';
import { UserNames } from './slack/user-names.js';

export type { SlackTransport };

/** How a production environment (HTTP or Socket Mode) reaches Slack; the local workspace builds its own. */
export function slackTransport(slack: Exclude<SlackEnv, { mode: 'local' }>): SlackTransport {
  const { botToken, apiUrl } = slack;
  return slack.mode === 'http'
    ? { mode: 'http', botToken, signingSecret: slack.signingSecret, apiUrl }
    : { mode: 'socket', botToken, appToken: slack.appToken, apiUrl };
}

export interface OpsdeckOptions {
  env: Env;
  slack: SlackTransport;
  catalog: Catalog;
  logger: Logger;
  /** The capabilities to run; default every one in src/capabilities.ts (tests add their own). */
  capabilities?: readonly CapabilityDefinition[];
  /** The one clock capabilities read (`services.now`); default the system's. Tests may drive it. */
  now?: () => Date;
}

export interface Opsdeck {
  /** Base URL of this process's HTTP server. */
  url: string;
  metrics: Metrics;
  redis: RedisConnections;
  queues: JobQueues;
  /** Every Slack write goes through it (durable, paced, deduplicated by key). */
  outbox: SlackOutbox;
  audit: AuditLog;
  workerId: string;
  readiness(): Promise<Readiness>;
  /** Stops taking requests and jobs, lets active jobs finish within SHUTDOWN_TIMEOUT_MS, closes Redis. */
  close(): Promise<void>;
}

/** Event ids and request signatures are remembered this long: beyond Slack's retry schedule (≈ 6 min). */
const DEDUPE_TTL_SECONDS = 600;

/**
 * Starts one Opsdeck process in the role the environment asks for. Refuses (throws) when Slack refuses a token, or
 * when Redis is unreachable or may evict keys.
 */
export async function startOpsdeck(options: OpsdeckOptions): Promise<Opsdeck> {
  const { env, logger } = options;
  const workerId = env.worker.id ?? `${hostname()}:${process.pid}`;
  // The token first: it needs nothing else, so a refused one leaves nothing to clean up.
  const slackClient = createSlackClient(options.slack.botToken, options.slack.apiUrl);
  await checkBotToken(slackClient, logger);
  const redis = await connectCheckedRedis(env, logger);
  const parts = buildParts(options, slackClient, redis, workerId);
  const bot = env.role !== 'worker' ? startBot(options, parts) : undefined;
  const workers = env.role !== 'bot' ? await startJobWorkers(options, parts) : undefined;
  return serve(options, parts, bot, workers);
}

/** Connects to Redis and checks it can be used; a Redis that cannot leaves no connection behind. */
async function connectCheckedRedis(env: Env, logger: Logger): Promise<RedisConnections> {
  const redis = connectRedis(env.redis, redisKeys(env.redis.prefix, { hashTag: env.redis.hashTag }), logger);
  try {
    await checkRedis(redis.client);
  } catch (error) {
    redis.disconnect();
    if (isCodedError(error)) throw error;
    throw new Error(`${redisVariable(env)}: cannot reach Redis at ${redis.where} (${(error as Error).message})`);
  }
  return redis;
}

/** The variable that says where Redis is, for messages. */
function redisVariable(env: Env): string {
  const { kind } = env.redis.topology;
  return kind === 'sentinel' ? 'REDIS_SENTINELS' : kind === 'cluster' ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL';
}

/** Everything one process is made of, built but not yet started. */
interface Parts {
  workerId: string;
  redis: RedisConnections;
  metrics: Metrics;
  outbox: SlackOutbox;
  audit: AuditLog;
  permissions: Permissions;
  now: () => Date;
  subscriptions: Subscriptions;
  homeViewers: HomeViewers;
  registry: Registry;
  handlers: JobHandler<unknown>[];
  queues: JobQueues;
}

/** The shared services, the capabilities built on them, and the queues their job handlers declare. */
function buildParts(
  options: OpsdeckOptions,
  slackClient: ReturnType<typeof createSlackClient>,
  redis: RedisConnections,
  workerId: string,
): Parts {
  // Capabilities are built first: their queue declarations decide which queues exist.
  let queues: JobQueues | undefined;
  const metrics = createMetrics({ collectQueueDepth: async () => (queues ? queues.depth() : {}) });
  const jobs = {
    enqueue: (queue, data, opts) => queues!.enqueue(queue, data, opts),
    cancel: (queue, jobId) => queues!.cancel(queue, jobId),
    replace: (queue, data, opts) => queues!.replace(queue, data, opts),
  } satisfies Services['jobs'];
  const { env, logger } = options;
  const outbox = new SlackOutbox({ client: slackClient, jobs, redis, metrics, logger, delivery: env.outbox });
  const built = buildServices(options, slackClient, redis, { workerId, metrics, jobs, outbox });
  const registry = buildRegistry(options.capabilities ?? CAPABILITIES, built.services, redis);
  // A write that reached Slack is reported to the capability that wrote it, in whichever process delivered it.
  outbox.onDelivered((by, write) => registry.delivered(by, write));
  // The platform's own queues (heartbeat, Slack delivery), then every capability's.
  const handlers = [
    heartbeatHandler({ redis: redis.client, key: redis.keys.heartbeat, workerId }),
    outbox.handler,
    homePublishHandler({
      outbox,
      now: built.services.now,
      view: (userId) => homeView(registry, env.slashCommand, userId),
    }),
    ...registry.jobs(),
  ];
  queues = new JobQueues(
    redis,
    handlers.map((handler) => handler.queue),
    logger,
  );
  const { audit, permissions, now } = built.services;
  const { subscriptions, homeViewers } = built;
  return {
    workerId,
    redis,
    metrics,
    outbox,
    audit,
    permissions,
    now,
    subscriptions,
    homeViewers,
    registry,
    handlers,
    queues,
  };
}

/** The services every capability is given (each then gets its own keys and approvals in buildRegistry). */
function buildServices(
  options: OpsdeckOptions,
  slackClient: ReturnType<typeof createSlackClient>,
  redis: RedisConnections,
  given: Pick<Services, 'workerId' | 'jobs' | 'outbox'> & { metrics: Metrics },
): { services: Services; subscriptions: Subscriptions; homeViewers: HomeViewers } {
  const { env, logger } = options;
  const audit = new AuditLog(redis.client, redis.keys.audit, env.audit);
  const groups = new UsergroupCache(redis.client, redis.keys, env.usergroupCacheMs, async (usergroup) => {
    const result = await slackClient.usergroups.users.list({ usergroup });
    return result.users ?? [];
  });
  const refusals = new RefusalThrottle(redis.client, redis.keys.audit, env.audit.refusalsPerMinute);
  const permissions = new Permissions(options.catalog.roles, groups, audit, refusals);
  const now = options.now ?? (() => new Date());
  const subscriptions = new Subscriptions(() => redis.connect('subscriber'), logger);
  const homeViewers = new HomeViewers(redis.client, redis.keys.capability('home', 'viewers'));
  const services: Services = {
    slashCommand: env.slashCommand,
    logger,
    catalog: options.catalog,
    audit,
    permissions,
    jobs: given.jobs,
    outbox: given.outbox,
    redis: redis.client,
    subscribe: (channel, listener) => subscriptions.subscribe(channel, listener),
    key: () => {
      throw new Error('each capability gets its own key builder');
    },
    // Each capability gets its own, under its keys (buildRegistry).
    approvals: undefined as unknown as Services['approvals'],
    keysOf:
      (capability) =>
      (...parts) =>
        redis.keys.capability(capability, ...parts),
    metrics: given.metrics.registry,
    workerId: given.workerId,
    now,
    home: homeRefresh({ viewers: homeViewers, jobs: given.jobs, now }),
    names: new UserNames((method, args) => given.outbox.call(method, args), logger),
  };
  return { services, subscriptions, homeViewers };
}

/** Builds each capability with its own logger, keys and approval gates; the gates' buttons join its actions. */
function buildRegistry(
  definitions: readonly CapabilityDefinition[],
  services: Services,
  redis: RedisConnections,
): Registry {
  const { logger, now } = services;
  return new Registry(
    definitions.map((definition) => {
      // A capability's keys live under its own name, so two capabilities can never collide.
      const key = (...parts: string[]) => redis.keys.capability(definition.name, ...parts);
      const gateDeps = { capability: definition.name, redis: redis.client, key, now };
      const capability = buildCapability(definition, {
        ...services,
        logger: logger.child({ capability: definition.name }),
        key,
        approvals: approvalGates(gateDeps),
      });
      // Approve / Reject of each declared gate are router actions like any other.
      const approvalActions = capability.approvals.flatMap((gate) => gateActions(gate, gateDeps));
      return { ...capability, actions: [...capability.actions, ...approvalActions] };
    }),
  );
}

/** The Slack-facing side: commands, events, actions and the Home tab (connected later, by serve). */
function startBot(options: OpsdeckOptions, parts: Parts): Bot {
  const { env, logger } = options;
  const { registry, audit, permissions, metrics, now, redis, homeViewers } = parts;
  const firstSeen = (kind: string) => async (id: string) =>
    (await redis.client.set(redis.keys.seen(kind, id), '1', 'EX', DEDUPE_TTL_SECONDS, 'NX')) === 'OK';
  return createBot(
    options.slack,
    {
      registry,
      slashCommand: env.slashCommand,
      audit,
      permissions,
      metrics,
      logger,
      firstSeen,
      now,
      homeView: (userId) => homeView(registry, env.slashCommand, userId),
      homeOpened: (userId) => homeViewers.opened(userId, now().getTime()),
    },
    logger,
  );
}

/** Starts consuming every queue, the heartbeat that readiness looks for, and the handlers' schedules. */
async function startJobWorkers(options: OpsdeckOptions, parts: Parts): Promise<WorkerPool> {
  const { env, logger } = options;
  const { redis, handlers, queues, metrics, workerId } = parts;
  const workers = startWorkers({
    redis,
    handlers,
    concurrency: env.worker.concurrency,
    lockMs: env.worker.lockMs,
    abandonedKey: (queue, jobId) => queues.abandonedKey(queue, jobId),
    metrics,
    logger,
    name: workerId,
  });
  await scheduleHeartbeat(queues.queue(heartbeatQueue.name));
  const schedules = new ScheduleSync({
    redis: redis.client,
    keys: redis.keys.schedules,
    handlers,
    queueOf: (name) => queues.queue(name),
    logger: logger.child({ module: 'jobs.schedules' }),
  });
  await schedules.start();
  return {
    ...workers,
    async close(timeoutMs) {
      await schedules.stop();
      await workers.close(timeoutMs);
    },
  };
}

/** The HTTP server with readiness and close; a process that cannot listen or connect stops what it started. */
async function serve(
  options: OpsdeckOptions,
  parts: Parts,
  bot: Bot | undefined,
  workers: WorkerPool | undefined,
): Promise<Opsdeck> {
  const { env, logger } = options;
  const { redis, metrics, registry, queues, outbox, audit, workerId } = parts;
  const readiness = async (): Promise<Readiness> => {
    const [redisUp, queueUp] = await Promise.all([
      redis.client.ping().then(
        () => true,
        () => false,
      ),
      queues.ping(),
    ]);
    // Redis may go away between the two commands (a failover): that is "not ready", never a failed probe.
    const heartbeat = redisUp && (await redis.client.exists(redis.keys.heartbeat).catch(() => 0)) === 1;
    const checks: Record<string, boolean> = { redis: redisUp, queueConnection: queueUp, workersConsuming: heartbeat };
    if (workers) checks.localWorkers = workers.consuming();
    if (bot?.connected) checks.slackConnected = bot.connected();
    return { ready: Object.values(checks).every(Boolean), checks };
  };
  const server = createHttpServer({
    slack:
      bot?.receiver && options.slack.mode === 'http'
        ? slackEndpoint({
            signingSecret: options.slack.signingSecret,
            bolt: bot.receiver.requestListener,
            metrics,
            logger,
          })
        : undefined,
    readiness,
    metrics,
    routes: routesEndpoint({ registry, webhookToken: env.webhookToken, metrics, logger }),
    logger,
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await bot?.stop();
      await workers?.close(env.shutdownTimeoutMs);
      await queues.close();
      await parts.subscriptions.close();
      await redis.close();
      logger.info('opsdeck stopped');
    })();
    return closing;
  };
  try {
    await listen(server, env.http.port, env.http.host);
    await bot?.start();
  } catch (error) {
    // Workers and Redis connections are already up: a process that cannot start must not leave them running.
    await close().catch(() => {});
    throw error;
  }
  const url = serverUrl(server);
  logger.info({ url, role: env.role, mode: options.slack.mode, workerId }, 'opsdeck started');
  return { url, metrics, redis, queues, outbox, audit, workerId, readiness, close };
}

/** The URL clients use to reach the server; a wildcard bind is reached over loopback. */
function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`PORT: cannot listen on ${host}:${port} (${error.code ?? error.message})`)),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve();
    });
  });
}
