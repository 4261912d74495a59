import { once } from 'node:events';
import { Queue, type QueueEvents } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SlackApiError } from '../../../src/errors.js';
import { startWorkers, type WorkerPool } from '../../../src/jobs/workers.js';
import { createLogger } from '../../../src/log.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import type { JobContext } from '../../../src/platform/queue.js';
import { defineQueue } from '../../../src/platform/queue.js';
import { connectRedis, type RedisConnections } from '../../../src/redis/connections.js';
import { redisKeys } from '../../../src/redis/keys.js';
import { eventsFromStart } from '../../support/queues.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../../support/redis.js';

const logger = createLogger({ level: 'silent' });
let prefix: string;
let redis: RedisConnections;
let metrics: Metrics;
let queue: Queue;
let events: QueueEvents;
let pool: WorkerPool | undefined;

beforeEach(async () => {
  prefix = uniquePrefix();
  redis = connectRedis(redisUrl(), redisKeys(prefix), logger);
  metrics = createMetrics({ collectQueueDepth: async () => ({}) });
  queue = new Queue('ping', { connection: redis.bullConnection, prefix: redis.bullPrefix('ping') });
  events = eventsFromStart(redis, 'ping');
  await events.waitUntilReady();
});

afterEach(async () => {
  await pool?.close(0);
  pool = undefined;
  await Promise.all([queue.close(), events.close(), redis.close()]);
  const client = redisClient();
  await deletePrefix(client, prefix);
  client.disconnect();
});

const pingQueue = defineQueue({
  name: 'ping',
  schema: z.object({ n: z.number().optional() }),
  jobId: () => 'unused',
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 0 },
  onStall: 'rerun',
});

function start(process: (data: { n?: number }, ctx: JobContext) => Promise<unknown>): WorkerPool {
  pool = startWorkers({
    redis,
    handlers: [{ queue: pingQueue, process } as never],
    concurrency: 2,
    lockMs: 30_000,
    abandonedKey: (queue, jobId) => redis.keys.jobs.abandoned(queue, jobId),
    metrics,
    logger,
  });
  return pool;
}

/** opsdeck_jobs_total for the ping queue and an outcome. */
async function jobsCounted(outcome: 'completed' | 'failed'): Promise<number> {
  const { values } = await metrics.jobs.get();
  return values.find((v) => v.labels.queue === 'ping' && v.labels.outcome === outcome)?.value ?? 0;
}

describe('startWorkers', () => {
  it('runs a job, returns its result and counts it', async () => {
    const workers = start(async (data) => ({ echoed: data.n }));
    expect(workers.consuming()).toBe(true);
    const job = await queue.add('ping', { n: 7 });
    const [completed] = (await once(events, `completed:${job.id}`)) as [{ returnvalue: unknown }];
    expect(completed.returnvalue).toEqual({ echoed: 7 });
    expect(await jobsCounted('completed')).toBe(1);
  });

  it('retries an ordinary failure up to the job attempts', async () => {
    let calls = 0;
    start(async () => {
      calls++;
      throw new Error('flaky dependency');
    });
    const job = await queue.add('ping', {}, { attempts: 3 });
    const [failed] = (await once(events, `failed:${job.id}`)) as [{ failedReason: string }];
    expect(failed.failedReason).toBe('flaky dependency');
    expect(calls).toBe(3);
    expect(await jobsCounted('failed')).toBe(3);
  });

  it('fails a job for good on a permanent Slack error: retrying cannot fix it', async () => {
    let calls = 0;
    start(async () => {
      calls++;
      throw new SlackApiError('chat.postMessage', 'channel_not_found');
    });
    const job = await queue.add('ping', {}, { attempts: 5 });
    const [failed] = (await once(events, `failed:${job.id}`)) as [{ failedReason: string }];
    expect(failed.failedReason).toBe('Slack chat.postMessage failed: channel_not_found');
    expect(calls).toBe(1);
    expect(await queue.getJobState(job.id!)).toBe('failed');
  });

  it('closes within its timeout while a job hangs, leaving the job to be recovered', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const workers = start(async () => {
      started();
      await new Promise(() => {}); // never settles: a job stuck on a dead dependency
    });
    const job = await queue.add('ping', {});
    await running;
    await workers.close(100);
    pool = undefined;
    expect(workers.consuming()).toBe(false);
    // Still active with its lock: once the lock expires, another worker's stalled check takes it over.
    expect(await queue.getJobState(job.id!)).toBe('active');
  });
});
