import { z } from 'zod';

/**
 * Queue names and the zod schema of each queue's job data. Processors parse `job.data` with these: data that does
 * not parse fails the job for good (UnrecoverableError) instead of retrying forever.
 */
export const QUEUE = {
  ping: 'ping',
  heartbeat: 'heartbeat',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];
export const QUEUE_NAMES: readonly QueueName[] = Object.values(QUEUE);

export const pingJob = z.object({
  responseUrl: z.url({ protocol: /^https?$/ }),
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  /** From the "Ping again" button: the answer replaces the message that was clicked. */
  replaceOriginal: z.boolean().default(false),
});
export type PingJob = z.input<typeof pingJob>;

export const heartbeatJob = z.object({});
