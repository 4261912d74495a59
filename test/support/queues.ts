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
  return new QueueEvents(queue, { connection: redis.bullConnection, prefix: redis.bullPrefix, lastEventId: '0' });
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
