import { DelayedError, type Job, type Processor, UnrecoverableError, Worker } from 'bullmq';
import { SlackApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { parseJobData } from '../platform/job-data.js';
import type { JobHandler } from '../platform/queue.js';
import type { RedisConnections } from '../redis/connections.js';
import { ACK_JOB_NAME } from './queues.js';

export interface WorkerPoolOptions {
  redis: RedisConnections;
  handlers: readonly JobHandler<unknown>[];
  /** Jobs per queue per process, unless a queue declares its own. */
  concurrency: number;
  /** BullMQ lock duration: a worker that dies holding a job loses it to another worker after about this long. */
  lockMs: number;
  /** Where the bot marks jobs whose enqueue missed Slack's ack deadline (JobQueues.abandonedKey). */
  abandonedKey(queue: string, jobId: string): string;
  metrics: Metrics;
  logger: Logger;
  /** This process's name in BullMQ (a job's `processedBy`): which worker ran a job. */
  name?: string;
}

export interface WorkerPool {
  /** Resolves once every worker's Redis connections are up. */
  ready(): Promise<void>;
  /** True while every worker is running and connected. */
  consuming(): boolean;
  /**
   * Stops taking jobs and waits for active ones up to `timeoutMs`; after that, closes without waiting (the jobs'
   * locks expire and another worker takes them over, so nothing is lost).
   */
  close(timeoutMs: number): Promise<void>;
}

/** One BullMQ worker per declared queue, each run by the processor its capability declared. */
export function startWorkers(options: WorkerPoolOptions): WorkerPool {
  const log = options.logger.child({ module: 'jobs' });
  const workers = options.handlers.map((handler) => {
    const { queue } = handler;
    const worker = new Worker(queue.name, processorOf(handler, options, log), {
      connection: options.redis.bullConnection,
      prefix: options.redis.bullPrefix(queue.name),
      name: options.name,
      concurrency: queue.concurrency ?? options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A rerunnable job may be caught by a crash more than once (kill -9 during a retry): recover it a few times.
      // A job that must never run twice is recovered once too, but only to be reported as interrupted (processorOf).
      maxStalledCount: queue.onStall === 'rerun' ? (queue.maxStalls ?? 3) : 1,
    });
    worker.on('error', (err) => log.warn({ queue: queue.name, err: { message: err.message } }, 'worker error'));
    worker.on('failed', (job, err) =>
      log.warn(
        { queue: queue.name, jobId: job?.id, attempts: job?.attemptsMade, err: { message: err.message } },
        'job failed',
      ),
    );
    return worker;
  });
  log.info({ queues: options.handlers.map((h) => h.queue.name) }, 'workers started');
  return {
    ready: async () => {
      await Promise.all(workers.map((worker) => worker.waitUntilReady()));
    },
    consuming: () => workers.every((worker) => worker.isRunning() && !worker.closing),
    async close(timeoutMs) {
      const graceful = Promise.all(workers.map((worker) => worker.close()));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const result = await Promise.race([graceful.then(() => 'done' as const), timedOut]);
      clearTimeout(timer);
      if (result === 'timeout') {
        log.warn({ timeoutMs }, 'active jobs did not finish in time; leaving them to be recovered by another worker');
        // Not close(true): BullMQ returns the pending graceful close, which waits for the hung job forever. The graceful
        // close already dropped the blocking connection; dropping the main one stops lock renewal.
        await Promise.all(workers.map((worker) => worker.disconnect()));
      }
    },
  };
}

/**
 * Around every processor: parse the data with the queue's schema, skip a job whose enqueue the bot abandoned, report a
 * never-twice job cut off by a crash instead of rerunning it, and count duration and outcome per queue.
 */
function processorOf(handler: JobHandler<unknown>, options: WorkerPoolOptions, log: Logger): Processor {
  const { queue } = handler;
  const { metrics, redis } = options;
  return async (job: Job, token, signal) => {
    const stop = metrics.jobDuration.startTimer({ queue: queue.name });
    const done = (outcome: 'completed' | 'failed' | 'skipped') => {
      stop({ outcome });
      metrics.jobs.inc({ queue: queue.name, outcome });
    };
    try {
      const data = parseJobData(queue.schema, job.data);
      if (job.name === ACK_JOB_NAME && (await redis.client.exists(options.abandonedKey(queue.name, job.id!))) === 1) {
        log.info({ queue: queue.name, jobId: job.id }, 'skipped a job whose enqueue missed the ack deadline');
        done('skipped');
        return { skipped: 'abandoned' };
      }
      if (queue.onStall === 'interrupt' && job.stalledCounter > 0) {
        await handler.onInterrupted?.(data);
        throw new UnrecoverableError('interrupted: the worker running it stopped, and this job must never run twice');
      }
      const result = await handler.process(data, {
        jobId: job.id!,
        attempt: job.attemptsStarted,
        enqueuedAt: job.timestamp,
        startedAt: job.processedOn ?? Date.now(),
        signal,
        async later(delayMs) {
          await job.moveToDelayed(Date.now() + Math.max(1, Math.round(delayMs)), token);
          throw new DelayedError();
        },
        save: (next) => job.updateData(next),
      });
      done('completed');
      return result;
    } catch (error) {
      // Back in the queue by the processor's choice (the outbox waiting for Slack or for its turn): not a failure.
      if (error instanceof DelayedError) {
        stop({ outcome: 'delayed' });
        throw error;
      }
      done('failed');
      log
        .child({ queue: queue.name, jobId: job.id })
        .debug({ err: { message: (error as Error).message } }, 'job attempt failed');
      // A permanent Slack error will not succeed on a later attempt; a temporary one (from `outbox.call`) may.
      if (error instanceof SlackApiError && !error.temporary) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
