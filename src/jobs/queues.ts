import { type JobsOptions, Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { RedisConnections } from '../redis/connections.js';
import { type PingJob, QUEUE, QUEUE_NAMES, type QueueName } from './payloads.js';

/** How long finished jobs stay visible (for debugging and for BullMQ's jobId dedupe window). */
const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Seconds between heartbeat jobs; readiness wants one processed within three intervals. */
export const HEARTBEAT_EVERY_MS = 5000;

/**
 * Typed enqueue helpers. The bot only ever enqueues through these, so each job's data is checked by its schema's
 * type at compile time and its id chosen for idempotency in one place.
 */
export class JobQueues {
  private readonly queues: Map<QueueName, Queue>;

  constructor(redis: RedisConnections, logger: Logger) {
    const log = logger.child({ module: 'jobs.queues' });
    this.queues = new Map(
      QUEUE_NAMES.map((name) => {
        const queue = new Queue(name, {
          connection: redis.queueConnection,
          prefix: redis.bullPrefix,
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        });
        // Connection errors while Redis restarts are expected; ioredis reconnects by itself.
        queue.on('error', (err) => log.warn({ queue: name, err: { message: err.message } }, 'queue connection error'));
        return [name, queue] as const;
      }),
    );
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  /**
   * @param requestId Slack's trigger_id for the command: a replayed or retried request maps to the same job, which
   *   BullMQ refuses to add twice while it exists.
   */
  async enqueuePing(data: PingJob, requestId: string): Promise<void> {
    await withinAck(this.queue(QUEUE.ping).add('ping', data, { jobId: `ping-${safeId(requestId)}` }));
  }

  /** One scheduler for the whole deployment (upsert is idempotent across processes). */
  async scheduleHeartbeat(): Promise<void> {
    await this.queue(QUEUE.heartbeat).upsertJobScheduler(
      'heartbeat',
      { every: HEARTBEAT_EVERY_MS },
      { name: 'heartbeat', data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
    );
  }

  async depth(): Promise<Record<string, Record<string, number>>> {
    const entries = await Promise.all(
      [...this.queues].map(
        async ([name, queue]) => [name, await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')] as const,
      ),
    );
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}

/**
 * The bot enqueues before it acks, and Slack gives up after 3 s. The queue connection fails at once while Redis is
 * disconnected; this deadline covers a Redis that is connected but not answering (overloaded, a network partition the
 * socket has not noticed yet), so the user sees our message instead of Slack's generic timeout.
 */
const ENQUEUE_DEADLINE_MS = 2000;

async function withinAck<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the job queue (Redis) did not answer in time')), ENQUEUE_DEADLINE_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ job ids may not contain ':'; Slack ids are digits, letters and dots. */
function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200);
}
