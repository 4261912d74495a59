import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../../src/runbooks/store.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

let redis: Redis;
const prefix = uniquePrefix();
let store: RunStore;
beforeAll(() => {
  redis = redisClient();
  store = new RunStore(redis, (...parts) => [prefix, 'runbooks', ...parts].join(':'));
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

describe('RunStore.claimRun', () => {
  it('gives one firing one run id, however many workers claim it at once, and the same id to a rerun', async () => {
    const claims = await Promise.all(Array.from({ length: 20 }, () => store.claimRun('firing:g:1:0', 3600)));
    expect(new Set(claims.map((c) => c.id)).size).toBe(1);
    expect(claims.filter((c) => c.fresh)).toHaveLength(1);
    expect(await store.claimRun('firing:g:1:0', 3600)).toEqual({ id: claims[0]!.id, fresh: false });
    // The next firing (fired again) is a run of its own, numbered in the same sequence as every other run.
    const next = await store.claimRun('firing:g:1:1', 3600);
    expect(next.fresh).toBe(true);
    expect(next.id).not.toBe(claims[0]!.id);
    expect(Number(await store.nextId())).toBe(Number(next.id) + 1);
  });
});
