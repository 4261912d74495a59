import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';

/** The private redis-server the global setup started (or REDIS_URL). */
export function redisUrl(): string {
  return inject('redisUrl');
}

/** A key prefix no other test uses, so tests share one Redis safely. */
export function uniquePrefix(): string {
  return `t${randomUUID().slice(0, 12)}`;
}

/** A plain client for assertions; close it in afterEach/afterAll. */
export function redisClient(): Redis {
  return new Redis(redisUrl(), { maxRetriesPerRequest: 3 });
}

/** Deletes every key under a prefix (tests clean up after themselves). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
