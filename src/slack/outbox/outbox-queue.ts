import { z } from 'zod';
import { defineQueue } from '../../platform/queue.js';

/**
 * An idempotency key: the caller's name for one write (a job id, `incident-42-status`). Letters, digits, `.`, `_`
 * and `-`, so it can be part of a BullMQ job id and a Redis key as it is.
 */
export const writeKey = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,200}$/, { error: 'must be 1–200 letters, digits, ".", "_" or "-"' });

const respondJob = z.object({
  kind: z.literal('respond'),
  key: writeKey,
  url: z.url({ protocol: /^https?$/ }),
  /** The response_url body, as Slack takes it (slack-platform.md §3). */
  message: z.looseObject({ text: z.string() }),
});

/**
 * The content lives in the message store, so a post still pending carries the latest edit. `turn` is the delivery's
 * own note: the turn it reserved in its channel's pace while it waits delayed.
 */
const postJob = z.object({
  kind: z.literal('post'),
  key: writeKey,
  /** Not sent before this time (ms since the epoch): content that changes meanwhile goes out in the post itself. */
  notBefore: z.number().int().nonnegative().optional(),
  turn: z.object({ bucket: z.string(), at: z.number() }).optional(),
});

/**
 * One per edit; a delivery sends the newest content, and edits already shown are skipped. `afterPost` marks the edit
 * a post enqueues for content that changed while it was being sent (its own job id: the edit's job may be done).
 */
const updateJob = z.object({
  kind: z.literal('update'),
  key: writeKey,
  version: z.number().int().positive(),
  afterPost: z.literal(true).optional(),
});

export const outboxJob = z.discriminatedUnion('kind', [respondJob, postJob, updateJob]);
export type OutboxJob = z.infer<typeof outboxJob>;

/**
 * Every Slack write a worker makes waits here until Slack has it. Attempts and backoff cover only unexpected errors
 * (a bug, Redis trouble): Slack's temporary failures move the job back to delayed themselves, honouring Retry-After,
 * until OUTBOX_MAX_AGE_MS (see retry-policy.ts), because BullMQ's backoff can neither follow Retry-After nor cap its
 * growth. A stall reruns the job: a response_url post is skipped once done, a post once it has a ts (and one whose
 * last try may have reached Slack is looked up by its metadata first, see Delivery.post), and an edit sends the latest
 * content, so a rerun repeats at most an edit or a response_url call the dead worker was making.
 */
export const outboxQueue = defineQueue<OutboxJob>({
  name: 'slack-outbox',
  schema: outboxJob,
  jobId: (job) => (job.kind === 'update' ? `update-${job.key}-v${job.version}` : `${job.kind}-${job.key}`),
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
  // A write mostly waits: for its turn (up to a second, in its worker slot) and for Slack. With one channel's posts
  // going at 1/s, every busy channel keeps a slot asleep, so WORKER_CONCURRENCY slots (sized for CPU work) would
  // pace a storm over 20 channels by the slots instead of by Slack.
  concurrency: 64,
  // So a crash catches many writes at once, and one write again and again in a crash loop or a rolling restart
  // (CI saw a post caught four times in twenty kills). A write is an HTTP call to Slack and cannot itself crash a
  // worker, and losing it loses a message: it survives many stalls. (Each rerun is safe, see above.)
  maxStalls: 20,
  // A replayed write finds itself done in the message store (a post has its ts, an edit's version is shown, a
  // response_url call is marked) and sends nothing: no id to remember, two round trips fewer per write.
  dedupeTtlSeconds: 0,
});
