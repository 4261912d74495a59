import type { ConnectionOptions } from 'bullmq';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { Env } from '../config/env.js';
import { RedisPolicyError } from '../errors.js';
import type { Logger } from '../log.js';
import type { RedisKeys } from './keys.js';

/** A commands connection: one Redis (standalone or behind Sentinel) or a Redis Cluster. Code types against this. */
export type RedisCommands = Redis | Cluster;

/** What an ioredis connection is for; each gets the settings BullMQ and Slack's deadlines ask of it. */
export type ConnectionRole =
  /** Opsdeck's own commands on the Slack surface: fail fast while Redis is away. */
  | 'commands'
  /** BullMQ workers (and their blocking connections): wait out a reconnect or a failover. */
  | 'worker'
  /** BullMQ queues that add jobs (one shared producer client): fail fast, so a user is never told "failed" for a job that later runs. */
  | 'queue'
  /** Pub/sub: queues while away; ioredis re-subscribes by itself. */
  | 'subscriber';

/**
 * The one owner of Opsdeck's Redis connections. Processes keep no state of their own: everything shared lives here,
 * under the key names of `keys.ts`. Every client — commands, BullMQ's, blocking, pub/sub — is built by `connect`,
 * for one Redis, a primary found through Sentinel, or a Cluster.
 */
export interface RedisConnections {
  /** Commands connection for Opsdeck's own keys (audit, caches, dedupe). */
  client: RedisCommands;
  /**
   * BullMQ's connection for workers and queue listeners: options (BullMQ opens and closes its own connections) or, on
   * a Cluster, one shared Cluster client that BullMQ duplicates for its blocking connections.
   */
  bullConnection: ConnectionOptions;
  /** BullMQ's key prefix for one queue (`keys.bullPrefix`): on a Cluster each queue has a hash slot of its own. */
  bullPrefix(queue: string): string;
  /** Every key Opsdeck builds. */
  keys: RedisKeys;
  /** A new client for a role (pub/sub, a test's probe); the caller closes it. */
  connect(role: ConnectionRole): RedisCommands;
  /** Where Redis is, for messages (no credentials). */
  where: string;
  /** Drops every connection at once (a process that could not start). */
  disconnect(): void;
  close(): Promise<void>;
}

/** Reconnect forever with a capped backoff: a Redis restart or failover must not need an Opsdeck restart. */
const retryStrategy = (times: number) => Math.min(times * 200, 2000);

/**
 * After a failover the old primary may answer as a replica for a moment (READONLY): reconnect, which asks Sentinel
 * or the Cluster for the new primary, and resend the command (2) instead of failing it.
 */
const reconnectOnError = (err: Error) => (err.message.startsWith('READONLY') ? 2 : false);

function roleOptions(role: ConnectionRole): RedisOptions {
  switch (role) {
    // Fails fast while disconnected: this client serves the Slack surface (dedupe, permissions, audit), which has 3 s
    // to answer; queued commands would hold a request past that and Slack would show the user a timeout.
    case 'commands':
      return { lazyConnect: true, maxRetriesPerRequest: 3, enableOfflineQueue: false };
    // BullMQ requires maxRetriesPerRequest: null on worker connections so blocking commands wait out a reconnect.
    case 'worker':
      return { maxRetriesPerRequest: null, enableReadyCheck: true };
    // BullMQ's advice for producers ("Failing fast when Redis is down"): an add must fail while Redis is away rather
    // than wait in ioredis' offline queue and go through later — after the user was already told it failed.
    case 'queue':
      return { enableOfflineQueue: false };
    case 'subscriber':
      return { enableOfflineQueue: true, maxRetriesPerRequest: null };
  }
}

/** Where Redis is: REDIS_URL (credentials, TLS, db; the host too when standalone) and the topology. */
export type RedisTarget = Pick<Env['redis'], 'url' | 'topology'>;

/** Connects to `target` (a URL alone is one standalone Redis). */
export function connectRedis(where: string | RedisTarget, keys: RedisKeys, logger: Logger): RedisConnections {
  const target: RedisTarget = typeof where === 'string' ? { url: where, topology: { kind: 'standalone' } } : where;
  const parsed = new URL(target.url);
  const { topology } = target;
  const auth: RedisOptions = {
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    retryStrategy,
    reconnectOnError,
  };
  const base: RedisOptions =
    topology.kind === 'sentinel'
      ? {
          ...auth,
          db: dbOf(parsed),
          sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
          name: topology.name,
          sentinelPassword: topology.sentinelPassword,
          // Sentinels speak TLS when the primary does; ioredis asks for both to be said.
          enableTLSForSentinelMode: auth.tls !== undefined,
          // No failoverDetector (ioredis' +switch-master subscription): when the announcement arrives while a connection
          // is reconnecting and waiting on a Sentinel's answer, ioredis gives that connection up for good ("Connection
          // is closed." on every command, no reconnect). Under load that window is wide, and a bot whose queue
          // connection ended could never enqueue again. Without it nothing is lost: Sentinel disconnects every client
          // of a demoted primary, a dead one refuses connections, and either way the reconnect asks the Sentinels anew.
          sentinelRetryStrategy: retryStrategy,
        }
      : topology.kind === 'standalone'
        ? { ...auth, host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 6379, db: dbOf(parsed) }
        : auth;
  const log = logger.child({ module: 'redis' });
  const owned: RedisCommands[] = [];
  const connect = (role: ConnectionRole): RedisCommands => {
    const options = { ...base, ...roleOptions(role) };
    const client =
      topology.kind === 'cluster'
        ? new Cluster(
            topology.nodes.map(({ host, port }) => ({ host, port })),
            clusterOptions(options),
          )
        : new Redis(options);
    return client;
  };
  const client = connect('commands');
  client.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'redis connection error'));
  // On a Cluster BullMQ wants a client, not options (it would open a standalone connection from options): one shared
  // client, closed with the process; BullMQ duplicates it for each worker's blocking connection.
  const bullConnection = (): ConnectionOptions => {
    if (topology.kind !== 'cluster') return { ...base, ...roleOptions('worker') };
    const shared = connect('worker');
    shared.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'redis connection error'));
    owned.push(shared);
    return shared;
  };
  return {
    client,
    bullConnection: bullConnection(),
    bullPrefix: (queue) => keys.bullPrefix(queue),
    keys,
    connect,
    where: whereOf(target),
    disconnect() {
      for (const each of [client, ...owned]) each.disconnect();
    },
    async close() {
      await Promise.all(
        [client, ...owned].map(async (each) => {
          if (each.status === 'end') return;
          await each.quit().catch(() => each.disconnect());
        }),
      );
    },
  };
}

function dbOf(url: URL): number {
  return url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
}

/** Cluster options from one node's: the per-node settings go to every node, the offline queue and retries to both. */
function clusterOptions(options: RedisOptions): ClusterOptions {
  const {
    lazyConnect,
    enableOfflineQueue,
    maxRetriesPerRequest,
    enableReadyCheck,
    retryStrategy: _r,
    ...node
  } = options;
  return {
    lazyConnect,
    enableOfflineQueue,
    enableReadyCheck,
    redisOptions: { ...node, maxRetriesPerRequest },
    clusterRetryStrategy: retryStrategy,
    // Cluster nodes announce their addresses; TLS must name the host the node was reached by.
    ...(node.tls && { dnsLookup: (address, callback) => callback(null, address) }),
  };
}

function whereOf(target: RedisTarget): string {
  const { topology } = target;
  if (topology.kind === 'sentinel') {
    return `Sentinel ${topology.name} via ${topology.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
  if (topology.kind === 'cluster') return `Cluster ${topology.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  return new URL(target.url).host;
}

/**
 * Connects and refuses a Redis that may evict keys: with any policy but `noeviction`, Redis under memory pressure
 * silently drops BullMQ jobs, pending approvals or audit entries. INFO is used rather than CONFIG GET because managed
 * Redis services often disable CONFIG. On a Cluster every primary is asked.
 */
export async function checkRedis(client: RedisCommands): Promise<void> {
  if (client.status === 'wait') await client.connect();
  const nodes = client instanceof Cluster ? await readyPrimaries(client) : [client];
  for (const node of nodes) {
    const info = await node.info('memory');
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1] ?? 'unknown';
    if (policy !== 'noeviction') throw new RedisPolicyError(policy);
  }
}

async function readyPrimaries(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('end', () => reject(new Error('the cluster connection ended')));
    });
  }
  return cluster.nodes('master');
}
