import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { Permissions } from './access/permissions.js';
import { UsergroupCache } from './access/usergroups.js';
import { AuditLog } from './audit/audit-log.js';
import { type Bot, createBot, type SlackTransport } from './bot/app.js';
import type { Catalog } from './config/catalog.js';
import type { Env, SlackEnv } from './config/env.js';
import { isCodedError } from './errors.js';
import { createHttpServer, type Readiness } from './http/server.js';
import { slackEndpoint } from './http/slack-endpoint.js';
import { webhooksEndpoint } from './http/webhooks.js';
import { QUEUE } from './jobs/payloads.js';
import { heartbeatProcessor } from './jobs/processors/heartbeat.js';
import { pingProcessor } from './jobs/processors/ping.js';
import { HEARTBEAT_EVERY_MS, JobQueues } from './jobs/queues.js';
import { startWorkers, type WorkerPool } from './jobs/workers.js';
import type { Logger } from './log.js';
import { createMetrics, type Metrics } from './metrics.js';
import { checkRedis, connectRedis, type RedisConnections } from './redis/connections.js';
import { checkBotToken, createSlackClient } from './slack/client.js';
import { SlackOutbox } from './slack/outbox/outbox.js';
import { outboxQueue } from './slack/outbox/outbox-queue.js';

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
  const redis = connectRedis(env.redis.url, env.redis.prefix, logger);
  try {
    await checkRedis(redis.client);
  } catch (error) {
    redis.client.disconnect();
    if (isCodedError(error)) throw error;
    const where = new URL(env.redis.url).host;
    throw new Error(`REDIS_URL: cannot reach Redis at ${where} (${(error as Error).message})`);
  }
  const queues = new JobQueues(redis, logger);
  const metrics = createMetrics({ collectQueueDepth: () => queues.depth() });
  const audit = new AuditLog(redis.client, env.redis.prefix);
  const outbox = new SlackOutbox({ client: slackClient, redis, metrics, logger, delivery: env.outbox });
  const runsBot = env.role !== 'worker';
  const runsWorkers = env.role !== 'bot';
  const firstSeen = (kind: string) => async (id: string) =>
    (await redis.client.set(redis.key('seen', kind, id), '1', 'EX', DEDUPE_TTL_SECONDS, 'NX')) === 'OK';

  let bot: Bot | undefined;
  if (runsBot) {
    const groups = new UsergroupCache(redis.client, env.redis.prefix, env.usergroupCacheMs, async (usergroup) => {
      const result = await slackClient.usergroups.users.list({ usergroup });
      return result.users ?? [];
    });
    const permissions = new Permissions(options.catalog.roles, groups, audit);
    bot = createBot(
      options.slack,
      {
        slashCommand: env.slashCommand,
        queues,
        audit,
        permissions,
        metrics,
        logger,
        firstSeen,
        now: () => new Date(),
      },
      logger,
    );
  }

  let workers: WorkerPool | undefined;
  if (runsWorkers) {
    workers = startWorkers({
      redis,
      processors: {
        [QUEUE.ping]: pingProcessor({ outbox, workerId }),
        [outboxQueue.name]: outbox.processor,
        [QUEUE.heartbeat]: heartbeatProcessor({
          redis: redis.client,
          key: redis.key('heartbeat'),
          ttlMs: HEARTBEAT_EVERY_MS * 3,
          workerId,
        }),
      },
      concurrency: env.worker.concurrency,
      lockMs: env.worker.lockMs,
      metrics,
      logger,
      name: workerId,
    });
    await queues.scheduleHeartbeat();
  }

  const readiness = async (): Promise<Readiness> => {
    const redisUp = await redis.client.ping().then(
      () => true,
      () => false,
    );
    const heartbeat = redisUp && (await redis.client.exists(redis.key('heartbeat'))) === 1;
    const checks: Record<string, boolean> = { redis: redisUp, workersConsuming: heartbeat };
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
    webhooks: webhooksEndpoint(env.webhookToken),
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
      await outbox.close();
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
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;
  logger.info({ url, role: env.role, mode: options.slack.mode, workerId }, 'opsdeck started');

  return { url, metrics, redis, queues, outbox, audit, workerId, readiness, close };
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
