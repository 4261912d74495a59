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
  /**
   * For `rerun`: how many stalls one job survives before it fails for good; default 3. Low by default because a job
   * that itself kills its worker (a poison job) takes every job beside it down with it each time it is rerun; a queue
   * whose jobs cannot do that, and which a crash is likely to catch, may allow more.
   */
  maxStalls?: number;
  /**
   * How long a job id is remembered after it was first enqueued; default one day. 0: not remembered at all (two
   * round trips fewer per enqueue), for a queue whose processor finds a replayed job stale by itself; BullMQ still
   * refuses an id while it holds the job.
   */
  dedupeTtlSeconds?: number;
}

/** Identity at run time; gives the declaration its type (and a single place to add checks later). */
export function defineQueue<T>(def: QueueDef<T>): QueueDef<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`queue name ${def.name} must match [a-z][a-z0-9-]*`);
  return def;
}

/** Enqueues a job per its queue's declaration: the payload is checked and the job id chosen there. */
export interface Enqueuer {
  /**
   * @param options.withinAck the caller is about to tell a user the outcome within Slack's 3 s: give up after a
   *   deadline, and make sure a job whose enqueue missed it never runs.
   * @param options.delayMs the job waits in BullMQ's delayed set this long before it runs.
   */
  enqueue<T>(queue: QueueDef<T>, data: T, options?: { withinAck?: boolean; delayMs?: number }): Promise<void>;
  /**
   * Removes the job with this id (what the queue's `jobId` gives) unless a worker is running it right now: a delayed
   * job (one waiting with `later` included) leaves BullMQ's delayed set at once. Its id stays remembered, so a replay
   * of the same enqueue adds nothing. `running`: a worker holds it; it runs on, and should find itself stale.
   */
  cancel<T>(queue: QueueDef<T>, jobId: string): Promise<'removed' | 'running'>;
  /**
   * Puts `data` in place of the job with the same id: the old one (delayed, waiting or finished) is removed and its id
   * forgotten, then `data` is enqueued. `running`: a worker holds the old one; nothing changes.
   */
  replace<T>(queue: QueueDef<T>, data: T, options?: { delayMs?: number }): Promise<'replaced' | 'running'>;
}

/** The processor of one queue the capability declares. */
export interface JobHandler<T> {
  queue: QueueDef<T>;
  /** Parsed data in, a small result out; throw to retry per the declaration, UnrecoverableError to fail for good. */
  process(data: T, ctx: JobContext): Promise<unknown>;
  /** Called once when a job of an `onStall: 'interrupt'` queue was cut off by a crash instead of being rerun. */
  onInterrupted?(data: T): Promise<void>;
  /**
   * Jobs to run on a schedule, read when workers start: each runs once per `everyMs` however many workers run;
   * schedules no longer listed are removed.
   */
  schedules?(): Array<{ id: string; everyMs: number; data: T }>;
}

export interface JobContext {
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** When the job was enqueued and when this try started (ms since the epoch). */
  enqueuedAt: number;
  startedAt: number;
  /** Aborted when the worker shuts down. */
  signal?: AbortSignal;
  /**
   * Puts the job back in its queue for `delayMs` without counting an attempt (waiting for a turn, or for Slack to
   * come back). Never returns: the processor stops here and runs again later with the data last saved.
   */
  later(delayMs: number): Promise<never>;
  /** Replaces the job's stored data, for a processor that must remember progress across `later` and crashes. */
  save(data: unknown): Promise<void>;
}
