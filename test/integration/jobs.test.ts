import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { JobQueues } from '../../src/jobs/queues.js';
import { startWorkers, type WorkerPool } from '../../src/jobs/workers.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import type { JobHandler } from '../../src/platform/queue.js';
import { defineQueue, type QueueDef } from '../../src/platform/queue.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connections.js';
import { redisKeys } from '../../src/redis/keys.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../support/redis.js';

/**
 * The queue declarations' promises, against a real Redis: payloads checked at both ends, dedupe that outlives the
 * finished job, no job run after its enqueue missed Slack's ack deadline, and never-twice jobs reported as
 * interrupted instead of rerun after a crash.
 */
const logger = createLogger({ level: 'silent' });
const payload = z.object({ id: z.string().regex(/^[a-z0-9-]+$/) });
type Payload = z.output<typeof payload>;

let prefix: string;
let redis: RedisConnections;
const closers: Array<() => Promise<unknown>> = [];

beforeEach(() => {
  prefix = uniquePrefix();
  redis = connectRedis(redisUrl(), redisKeys(prefix), logger);
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await redis.close();
  const client = redisClient();
  await deletePrefix(client, prefix);
  client.disconnect();
});

function queueDef(onStall: 'rerun' | 'interrupt' = 'rerun'): QueueDef<Payload> {
  return defineQueue({
    name: 'test-jobs',
    schema: payload,
    jobId: (d) => `job-${d.id}`,
    attempts: 3,
    backoff: { type: 'fixed', delayMs: 10 },
    onStall,
  });
}

/** Queues, workers and an event listener for `def`, all connected: closing half-open connections makes BullMQ reject. */
async function start(
  def: QueueDef<Payload>,
  handler: Omit<JobHandler<Payload>, 'queue'>,
  options: { redis?: RedisConnections; deadlineMs?: number } = {},
) {
  const queues = new JobQueues(options.redis ?? redis, [def as QueueDef<unknown>], logger, options.deadlineMs);
  const pool: WorkerPool = startWorkers({
    redis,
    handlers: [{ queue: def, ...handler } as JobHandler<unknown>],
    concurrency: 1,
    lockMs: 1000,
    abandonedKey: (queue, jobId) => queues.abandonedKey(queue, jobId),
    metrics: createMetrics(),
    logger,
  });
  const events = new QueueEvents(def.name, { connection: redis.bullConnection, prefix: redis.bullPrefix(def.name) });
  closers.push(
    () => queues.close(),
    () => pool.close(5000),
    () => events.close(),
  );
  await Promise.all([pool.ready(), events.waitUntilReady(), queues.queue(def.name).waitUntilReady()]);
  return { queues, events };
}

/** Resolves with the id of the next job of the queue to complete. */
function nextCompleted(events: QueueEvents): Promise<string> {
  return once(events, 'completed').then(([{ jobId }]) => jobId as string);
}

describe('a declared queue', () => {
  it('refuses a payload its schema does not accept, at enqueue', async () => {
    const { queues } = await start(queueDef(), { process: async () => {} });
    await expect(queues.enqueue(queueDef(), { id: 'Not Valid!' })).rejects.toThrow();
  });

  it('fails a job whose stored data does not parse once, without retrying it', async () => {
    const def = queueDef();
    const { events } = await start(def, { process: async () => {} });
    await events.waitUntilReady();
    const raw = new Queue(def.name, { connection: redis.bullConnection, prefix: redis.bullPrefix(def.name) });
    closers.push(() => raw.close());
    const failed = once(events, 'failed');
    const job = await raw.add('tampered', { id: 42 }, { attempts: 5 });
    const [{ jobId, failedReason }] = await failed;
    expect(jobId).toBe(job.id);
    expect(failedReason).toContain('invalid job data at id');
    expect((await raw.getJob(job.id!))?.attemptsMade).toBe(1);
  });

  it('adds nothing for a job id it has seen, even after the finished job was removed', async () => {
    const def = queueDef();
    const ran: string[] = [];
    const { queues, events } = await start(def, { process: async (data) => void ran.push(data.id) });
    await events.waitUntilReady();
    const first = nextCompleted(events);
    await queues.enqueue(def, { id: 'once' });
    await queues.queue(def.name).remove(await first);

    await queues.enqueue(def, { id: 'once' });
    // FIFO with one worker: once the sentinel ran, a second `once` would have run before it.
    const sentinel = nextCompleted(events);
    await queues.enqueue(def, { id: 'sentinel' });
    expect(await sentinel).toBe('job-sentinel');
    expect(ran).toEqual(['once', 'sentinel']);
  });

  it('never runs a job whose enqueue missed the ack deadline, even when the add lands later', async () => {
    const def = queueDef();
    const proxy = await stallingProxy(new URL(redisUrl()).port);
    closers.push(() => proxy.close());
    // The bot's queue connection goes through the proxy; the worker's does not.
    const slowRedis = connectRedis(`redis://127.0.0.1:${proxy.port}`, redisKeys(prefix), logger);
    closers.push(() => slowRedis.close());
    const ran: string[] = [];
    const { queues, events } = await start(
      def,
      { process: async (data) => void ran.push(data.id) },
      { redis: slowRedis, deadlineMs: 200 },
    );
    await events.waitUntilReady();
    await queues.queue(def.name).waitUntilReady();

    proxy.stall();
    await expect(queues.enqueue(def, { id: 'late' }, { withinAck: true })).rejects.toThrow('did not answer in time');
    const late = nextCompleted(events);
    proxy.resume();
    expect(await late).toBe('job-late');
    const job = await queues.queue(def.name).getJob('job-late');
    expect(job?.returnvalue).toEqual({ skipped: 'abandoned' });
    expect(ran).toEqual([]);

    const onTime = nextCompleted(events);
    await queues.enqueue(def, { id: 'on-time' }, { withinAck: true });
    expect(await onTime).toBe('job-on-time');
    expect(ran).toEqual(['on-time']);
  });

  it('reports a never-twice job cut off by a crash as interrupted instead of running it again', async () => {
    const def = queueDef('interrupt');
    // A worker that takes the job and then goes silent, as a process killed mid-job does: it never renews the lock
    // and never checks for stalled jobs (a worker's check also blocks the others' for its stalledInterval).
    const doomed = new Worker(def.name, () => new Promise(() => {}), {
      connection: redis.bullConnection,
      prefix: redis.bullPrefix(def.name),
      lockDuration: 1000,
      skipLockRenewal: true,
      skipStalledCheck: true,
    });
    closers.push(() => doomed.close(true));
    const queues = new JobQueues(redis, [def as QueueDef<unknown>], logger);
    closers.push(() => queues.close());
    const taken = once(doomed, 'active');
    await queues.enqueue(def, { id: 'deploy-step' });
    await taken;

    const ran: string[] = [];
    let interrupted: (data: Payload) => void = () => {};
    const reported = new Promise<Payload>((resolve) => {
      interrupted = resolve;
    });
    const { events } = await start(def, {
      process: async (data) => void ran.push(data.id),
      onInterrupted: async (data) => interrupted(data),
    });
    const failed = once(events, 'failed');
    expect(await reported).toEqual({ id: 'deploy-step' });
    const [{ failedReason }] = await failed;
    expect(failedReason).toContain('interrupted');
    expect(ran).toEqual([]);
  });
});

/** A TCP proxy to Redis that can hold what clients send, as a Redis that stopped answering would. */
async function stallingProxy(
  redisPort: string,
): Promise<{ port: number; stall(): void; resume(): void; close(): Promise<void> }> {
  let stalled = false;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    upstream.connect(Number(redisPort), '127.0.0.1');
    client.on('data', (chunk) => {
      if (stalled) held.push(() => upstream.write(chunk));
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    stall: () => {
      stalled = true;
    },
    resume: () => {
      stalled = false;
      for (const write of held.splice(0)) write();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('delayed jobs', () => {
  it('can be cancelled by id (a replay adds nothing) and replaced by id (the new data runs, once)', async () => {
    const def = queueDef();
    const ran: string[] = [];
    const { queues, events } = await start(def, { process: async (data) => void ran.push(data.id) });
    const queue = queues.queue(def.name);
    const delayedIds = async () => (await queue.getDelayed()).map((job) => job.id).sort();

    await queues.enqueue(def, { id: 'stale' }, { delayMs: 3_600_000 });
    await queues.enqueue(def, { id: 'kept' }, { delayMs: 3_600_000 });
    expect(await delayedIds()).toEqual(['job-kept', 'job-stale']);
    expect(await queues.cancel(def, 'job-stale')).toBe('removed');
    expect(await delayedIds()).toEqual(['job-kept']);
    // Cancelled means done with: the same enqueue again adds nothing; an id nobody holds cancels trivially.
    await queues.enqueue(def, { id: 'stale' }, { delayMs: 3_600_000 });
    expect(await delayedIds()).toEqual(['job-kept']);
    expect(await queues.cancel(def, 'job-never')).toBe('removed');

    // Replaced: the delayed one goes, and the new one (due now) runs.
    const ranKept = nextCompleted(events);
    expect(await queues.replace(def, { id: 'kept' })).toBe('replaced');
    expect(await ranKept).toBe('job-kept');
    expect(await delayedIds()).toEqual([]);
    expect(ran).toEqual(['kept']);
  });

  it('leave a job a worker is running alone', async () => {
    const def = queueDef();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { queues, events } = await start(def, { process: () => held });
    const active = once(events, 'active');
    await queues.enqueue(def, { id: 'busy' });
    await active;
    expect(await queues.cancel(def, 'job-busy')).toBe('running');
    expect(await queues.replace(def, { id: 'busy' })).toBe('running');
    const done = nextCompleted(events);
    release();
    expect(await done).toBe('job-busy');
  });
});
