import { type Queue, QueueEvents } from 'bullmq';
import { expect, vi } from 'vitest';
import type { RedisConnections } from '../../src/redis/connections.js';

/**
 * Every state a BullMQ job can be in. `Queue.count()` counts only jobs still to run (waiting, paused, delayed,
 * prioritized): a job that already ran, failed or is running would pass an "enqueued nothing" assertion.
 */
export const EVERY_JOB_STATE = [
  'waiting',
  'waiting-children',
  'prioritized',
  'paused',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

/** How many jobs the queue holds in any state: a job that was ever added and not yet removed counts. */
export async function jobsInAnyState(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts(...EVERY_JOB_STATE);
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * A queue's events from the first entry of its event stream, so an event that happened before this listener's first
 * read is still delivered. `job.waitUntilFinished` listens from `$` (new events only) after checking the job once,
 * and misses a completion that falls between the two; waiting with `once(events, \`completed:${id}\`)` on this
 * cannot. Close it when done.
 */
export function eventsFromStart(redis: RedisConnections, queue: string): QueueEvents {
  return new QueueEvents(queue, {
    connection: redis.bullConnection,
    prefix: redis.bullPrefix(queue),
    lastEventId: '0',
  });
}

/**
 * Waits until the queue's own Redis connection is back after a Redis restart. Adds go through it, it reconnects on
 * its own backoff (up to 2 s) and fails fast while down: another client answering, or /readyz (whose heartbeat key
 * may have survived the restart in the AOF), says nothing about it.
 */
export async function queueReconnected(queue: Queue): Promise<void> {
  const client = await queue.client;
  await vi.waitFor(() => expect(client.status).toBe('ready'), { timeout: 15_000, interval: 50 });
}

/**
 * Resolves with a job's return value once it completed (rejects with its reason if it failed), however early or late
 * the caller asks: the listener is attached before the state is read, so the completion is seen by one or the other.
 */
export async function finished(queue: Queue, events: QueueEvents, jobId: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onCompleted = ({ returnvalue }: { returnvalue: unknown }) => settle(() => resolve(returnvalue));
    const onFailed = ({ failedReason }: { failedReason: string }) => settle(() => reject(new Error(failedReason)));
    const settle = (then: () => void) => {
      (events as unknown as NodeJS.EventEmitter)
        .off(`completed:${jobId}`, onCompleted)
        .off(`failed:${jobId}`, onFailed);
      then();
    };
    // Per-job events are emitted under `<event>:<jobId>` (QueueEvents' typed listener list does not name them).
    const emitter = events as unknown as NodeJS.EventEmitter;
    emitter.on(`completed:${jobId}`, onCompleted).on(`failed:${jobId}`, onFailed);
    // Its failure (the queue closed as the test ended) settles this promise too, never an unhandled rejection.
    queue
      .getJob(jobId)
      .then(async (job) => {
        const state = await job?.getState();
        if (state === 'completed') settle(() => resolve(job!.returnvalue));
        else if (state === 'failed') settle(() => reject(new Error(job!.failedReason)));
      })
      .catch(reject);
  });
}
