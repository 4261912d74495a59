import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarkTaken, RunStore } from '../../../src/runbooks/store.js';
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

describe('RunStore.change', () => {
  it("builds on another process's change made since this one last wrote, and decides no-ops on what is stored", async () => {
    const key = (...parts: string[]) => [prefix, 'runbooks', ...parts].join(':');
    const worker = new RunStore(redis, key);
    const bot = new RunStore(redis, key);
    const run = {
      id: '9001',
      kind: 'runbook',
      name: 'restart',
      params: {},
      requester: 'U0ALICE',
      channel: 'C0OPS',
      createdAt: 1,
      status: 'running',
      steps: [],
      state: [],
      guard: [],
      humanRole: 'deployer',
    } as unknown as Parameters<RunStore['create']>[0];
    await worker.create(run);
    await worker.change(run.id, (r) => ({ ...r, params: { step: 'one' } }));
    // A Cancel click in another process, after the worker's last write.
    await bot.change(run.id, (r) => ({ ...r, cancelledBy: 'U0BOB' }));
    const next = await worker.change(run.id, (r) => ({ ...r, params: { ...r.params, more: 'two' } }));
    expect(next).toMatchObject({ cancelledBy: 'U0BOB', params: { step: 'one', more: 'two' } });
    // A change that writes nothing only when the stored run says so: the click is seen, not the worker's last write.
    const seen = await worker.change(run.id, (r) => (r.cancelledBy ? r : { ...r, status: 'succeeded' }));
    expect(seen).toMatchObject({ cancelledBy: 'U0BOB', status: 'running' });
    await bot.change(run.id, (r) => ({ ...r, cancelledBy: undefined }));
    const written = await worker.change(run.id, (r) => (r.cancelledBy ? r : { ...r, status: 'cancelled' }));
    expect(written?.status).toBe('cancelled');
    expect(await bot.get(run.id)).toMatchObject({ status: 'cancelled', params: { step: 'one', more: 'two' } });

    // A write that starts a step attempt marks it started in the same step: a second start of it writes nothing.
    const starts = () => ({ index: 0, attempt: 0 });
    await worker.change(run.id, (r) => ({ ...r, params: { started: 'first' } }), starts);
    await expect(bot.change(run.id, (r) => ({ ...r, params: { started: 'second' } }), starts)).rejects.toThrow(
      MarkTaken,
    );
    expect(await worker.markStarted(run.id, 0, 0)).toBe(false);
    expect((await bot.get(run.id))?.params).toEqual({ started: 'first' });
  });
});
