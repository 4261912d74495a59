import { DelayedError, type Processor, UnrecoverableError, Worker } from 'bullmq';
import { SlackApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RedisConnections } from '../redis/connections.js';

export interface WorkerPoolOptions {
  redis: RedisConnections;
  /** By queue name: the queues of payloads.ts, and those declared elsewhere (`slack-outbox`). */
  processors: Partial<Record<string, Processor>>;
  concurrency: number;
  /** BullMQ lock duration: a worker that dies holding a job loses it to another worker after about this long. */
  lockMs: number;
  metrics: Metrics;
  logger: Logger;
  /** This process's name in BullMQ (a job's `processedBy`): which worker ran a job. */
  name?: string;
}

export interface WorkerPool {
  /** True while every worker is running and connected. */
  consuming(): boolean;
  /**
   * Stops taking jobs and waits for active ones up to `timeoutMs`; after that, closes without waiting (the jobs'
   * locks expire and another worker takes them over, so nothing is lost).
   */
  close(timeoutMs: number): Promise<void>;
}

export function startWorkers(options: WorkerPoolOptions): WorkerPool {
  const log = options.logger.child({ module: 'jobs' });
  const workers = Object.entries(options.processors).map(([queue, processor]) => {
    const worker = new Worker(queue, instrument(queue, processor!, options.metrics, log), {
      connection: options.redis.bullConnection,
      prefix: options.redis.bullPrefix,
      name: options.name,
      concurrency: options.concurrency,
      lockDuration: options.lockMs,
      stalledInterval: options.lockMs,
      // A job may be caught by a crash more than once (kill -9 during a retry): recover it a few times before failing.
      maxStalledCount: 3,
    });
    worker.on('error', (err) => log.warn({ queue, err: { message: err.message } }, 'worker error'));
    worker.on('failed', (job, err) =>
      log.warn({ queue, jobId: job?.id, attempts: job?.attemptsMade, err: { message: err.message } }, 'job failed'),
    );
    return worker;
  });
  log.info({ queues: Object.keys(options.processors) }, 'workers started');
  return {
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
        await Promise.all(workers.map((worker) => worker.close(true)));
      }
    },
  };
}

/** Job duration and outcome per queue, a child logger per job, and permanent errors made final. */
function instrument(queue: string, processor: Processor, metrics: Metrics, log: Logger): Processor {
  return async (job, token, signal) => {
    const stop = metrics.jobDuration.startTimer({ queue });
    try {
      const result = await processor(job, token, signal);
      stop({ outcome: 'completed' });
      metrics.jobs.inc({ queue, outcome: 'completed' });
      return result;
    } catch (error) {
      // Back in the queue by the processor's choice (the outbox waiting for Slack or for its turn): not a failure.
      if (error instanceof DelayedError) {
        stop({ outcome: 'delayed' });
        throw error;
      }
      stop({ outcome: 'failed' });
      metrics.jobs.inc({ queue, outcome: 'failed' });
      log.child({ queue, jobId: job.id }).debug({ err: { message: (error as Error).message } }, 'job attempt failed');
      // A permanent Slack error will not succeed on a later attempt; a temporary one (from `outbox.call`) may.
      if (error instanceof SlackApiError && !error.temporary) throw new UnrecoverableError(error.message);
      throw error;
    }
  };
}
