import { type Cluster, Redis, type RedisOptions } from 'ioredis';
import { RedisPolicyError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RedisKeys } from './keys.js';

/** A commands connection: one Redis (standalone or behind Sentinel) or a Redis Cluster. Code types against this. */
export type RedisCommands = Redis | Cluster;

/**
 * The one owner of Opsdeck's Redis connections. Processes keep no state of their own: everything shared lives here,
 * under the key names of `keys.ts`.
 */
export interface RedisConnections {
  /** Commands connection for Opsdeck's own keys (audit, caches, dedupe). */
  client: Redis;
  /** Options for BullMQ workers and queue listeners (ioredis options; BullMQ opens its own connections from them). */
  bullConnection: RedisOptions;
  /** Options for BullMQ queues that add jobs: they fail fast while Redis is away instead of waiting for it. */
  queueConnection: RedisOptions;
  /** BullMQ's key prefix, `keys.bullPrefix` (queues live under `<prefix>:q:<name>`), beside the connection options. */
  bullPrefix: string;
  /** Every key Opsdeck builds. */
  keys: RedisKeys;
  close(): Promise<void>;
}

export function connectRedis(url: string, keys: RedisKeys, logger: Logger): RedisConnections {
  const parsed = new URL(url);
  const base: RedisOptions = {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // Reconnect forever with a capped backoff: a Redis restart must not need an Opsdeck restart.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
  // Fails fast while disconnected: this client serves the Slack surface (dedupe, permissions, audit), which has 3 s to
  // answer; queued commands would hold a request past that and Slack would show the user a timeout.
  const client = new Redis({ ...base, lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: false });
  const log = logger.child({ module: 'redis' });
  client.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis connection error'));
  return {
    client,
    // BullMQ requires maxRetriesPerRequest: null on worker connections so blocking commands wait out a reconnect.
    bullConnection: { ...base, maxRetriesPerRequest: null, enableReadyCheck: true },
    // BullMQ's advice for producers ("Failing fast when Redis is down"): an add must fail while Redis is away rather
    // than wait in ioredis' offline queue and go through later — after the user was already told it failed.
    queueConnection: { ...base, enableOfflineQueue: false },
    bullPrefix: keys.bullPrefix,
    keys,
    async close() {
      if (client.status === 'end') return;
      await client.quit().catch(() => client.disconnect());
    },
  };
}

/**
 * Connects and refuses a Redis that may evict keys: with any policy but `noeviction`, Redis under memory pressure
 * silently drops BullMQ jobs, pending approvals or audit entries. INFO is used rather than CONFIG GET because managed
 * Redis services often disable CONFIG.
 */
export async function checkRedis(client: Redis): Promise<void> {
  if (client.status === 'wait') await client.connect();
  const info = await client.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  if (policy !== 'noeviction') throw new RedisPolicyError(policy);
}
