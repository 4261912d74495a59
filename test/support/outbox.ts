import { type Job, Queue, type QueueEvents } from 'bullmq';
import type { RedisConnections } from '../../src/redis/connections.js';
import { type OutboxJob, outboxQueue } from '../../src/slack/outbox/outbox-queue.js';
import { eventsFromStart, finished } from './queues.js';

/** The `slack-outbox` queue seen from a test: its jobs by the write they carry, and their ends as events. */
export interface OutboxWatch {
  jobs: Queue;
  events: QueueEvents;
  job(write: OutboxJob): Promise<Job | undefined>;
  /** Resolves with the delivery's result once its job finished; rejects with the reason if it failed. */
  finished(write: OutboxJob): Promise<unknown>;
  close(): Promise<void>;
}

export async function watchOutbox(redis: RedisConnections): Promise<OutboxWatch> {
  const bull = { connection: redis.bullConnection, prefix: redis.bullPrefix(outboxQueue.name) };
  const jobs = new Queue(outboxQueue.name, bull);
  const events = eventsFromStart(redis, outboxQueue.name);
  // A test may wait on every write at once (each wait adds a listener while it lasts).
  jobs.setMaxListeners(0);
  events.setMaxListeners(0);
  await events.waitUntilReady();
  const job = (write: OutboxJob) => jobs.getJob(outboxQueue.jobId(write));
  return {
    jobs,
    events,
    job,
    async finished(write) {
      const found = await job(write);
      if (!found) throw new Error(`no outbox job ${outboxQueue.jobId(write)}`);
      return finished(jobs, events, found.id!);
    },
    async close() {
      await events.close();
      await jobs.close();
    },
  };
}
