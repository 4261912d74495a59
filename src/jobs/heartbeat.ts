import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { JobHandler } from '../platform/queue.js';
import { defineQueue } from '../platform/queue.js';
import type { RedisCommands } from '../redis/connections.js';

/** Milliseconds between heartbeat jobs; readiness wants one processed within three intervals. */
export const HEARTBEAT_EVERY_MS = 5000;

/** The platform's own queue: one job every few seconds, scheduled once for the whole deployment. */
export const heartbeatQueue = defineQueue({
  name: 'heartbeat',
  schema: z.object({}),
  jobId: () => 'heartbeat',
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 0 },
  onStall: 'rerun',
});

/**
 * Proof that some worker is consuming: readiness checks this key. A worker that survived a Redis restart but stopped
 * consuming (bullmq issues #2466, #2964) stops refreshing it.
 */
export function heartbeatHandler(deps: { redis: RedisCommands; key: string; workerId: string }): JobHandler<object> {
  return {
    queue: heartbeatQueue,
    async process() {
      await deps.redis.set(
        deps.key,
        JSON.stringify({ workerId: deps.workerId, at: Date.now() }),
        'PX',
        HEARTBEAT_EVERY_MS * 3,
      );
    },
  };
}

/** One scheduler for the whole deployment (upsert is idempotent across processes). */
export async function scheduleHeartbeat(queue: Queue): Promise<void> {
  await queue.upsertJobScheduler(
    'heartbeat',
    { every: HEARTBEAT_EVERY_MS },
    { name: 'heartbeat', data: {}, opts: { attempts: 1, removeOnComplete: true, removeOnFail: true } },
  );
}
