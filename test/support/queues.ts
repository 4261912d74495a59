import type { Queue } from 'bullmq';

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
