import type { Processor } from 'bullmq';
import type { Redis } from 'ioredis';

/**
 * Proof that some worker is consuming: readiness checks this key. A worker that survived a Redis restart but stopped
 * consuming (bullmq issues #2466, #2964) stops refreshing it.
 */
export function heartbeatProcessor(deps: { redis: Redis; key: string; ttlMs: number; workerId: string }): Processor {
  return async () => {
    await deps.redis.set(deps.key, JSON.stringify({ workerId: deps.workerId, at: Date.now() }), 'PX', deps.ttlMs);
  };
}
