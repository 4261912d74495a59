import type { z } from 'zod';

/**
 * One queue, declared once, in the capability (or platform module) that owns it. Enqueueing and processing both read
 * this declaration, so the payload schema, the idempotency rule and the retry policy cannot drift apart.
 */
export interface QueueDef<T = unknown> {
  /** BullMQ queue name; unique across capabilities, `[a-z][a-z0-9-]*`. */
  name: string;
  /** The job data. A processor parses `job.data` with it; data that does not parse fails once (UnrecoverableError). */
  schema: z.ZodType<T>;
  /**
   * The job id, from the data: the idempotency key. BullMQ refuses a second job with an id it still holds, and the
   * platform also remembers ids (see `dedupeTtlSeconds`) so dedupe does not depend on how long finished jobs are kept.
   */
  jobId(data: T): string;
  /** Total tries, the first included. */
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delayMs: number };
  /** Jobs of this queue one worker process runs at once; defaults to WORKER_CONCURRENCY. */
  concurrency?: number;
  /**
   * What a stall means (the worker died or its event loop blocked past the lock):
   * - `rerun`: run the job again; its processor is idempotent (the default).
   * - `interrupt`: it must never run twice (a deploy step): the job fails as interrupted and `onInterrupted` reports it.
   */
  onStall: 'rerun' | 'interrupt';
  /** How long a job id is remembered after it was first enqueued; default one day. */
  dedupeTtlSeconds?: number;
}

/** Identity at run time; gives the declaration its type (and a single place to add checks later). */
export function defineQueue<T>(def: QueueDef<T>): QueueDef<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`queue name ${def.name} must match [a-z][a-z0-9-]*`);
  return def;
}
