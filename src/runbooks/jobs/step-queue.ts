import { z } from 'zod';
import { defineQueue } from '../../platform/queue.js';

export const stepJob = z.object({
  runId: z.string().regex(/^\d{1,15}$/),
  index: z.int().min(0).max(500),
  /** The step's attempt: Retry, or a retryable step cut off by a crash, runs it again under the next number. */
  attempt: z.int().min(0).max(100),
});
export type StepJob = z.output<typeof stepJob>;

/**
 * Runs one step of a run and the plain steps after it, up to a gate or the end: one job per stretch, not per step (a
 * job costs BullMQ's own commands, an enqueue and a redraw), and a run, once started, goes on rather than waiting
 * behind every other run's next step. A step must never run twice unless it says it is `retryable`: a worker killed
 * mid-step leaves the job interrupted (never rerun blindly); the engine then retries a retryable step (the one the
 * job had reached) or asks a human (Retry / Skip / Abort).
 */
export const stepQueue = defineQueue<StepJob>({
  name: 'runbooks-step',
  schema: stepJob,
  jobId: (data) => `rb-${data.runId}-${data.index}-${data.attempt}`,
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 1000 },
  onStall: 'interrupt',
  // A replayed job finds its step no longer pending (or its attempt past) and skips it: no id to remember.
  dedupeTtlSeconds: 0,
});
