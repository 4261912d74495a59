import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { flagChangesBetween, namesService } from '../../../src/flags/api.js';
import { Evaluator, evaluateFlag } from '../../../src/flags/evaluator.js';
import { defaultVariants } from '../../../src/flags/rules.js';
import { FlagStore } from '../../../src/flags/store.js';
import { createLogger } from '../../../src/log.js';
import { Subscriptions } from '../../../src/redis/pubsub.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const logger = createLogger({ level: 'silent' });
let redis: Redis;
let prefix: string;
let store: FlagStore;
const subscriptions: Subscriptions[] = [];

beforeAll(() => {
  redis = redisClient();
  prefix = uniquePrefix();
  store = new FlagStore(redis, (...parts) => [prefix, 'flags', ...parts].join(':'), ['staging', 'production']);
});
afterAll(async () => {
  await Promise.all(subscriptions.map((s) => s.close()));
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** A replica: its own evaluator, kept fresh by pub/sub on its own connection. */
function replica() {
  const evaluator = new Evaluator((env) => store.snapshot(env), logger);
  const subscriptions1 = new Subscriptions(() => redisClient(), logger);
  subscriptions.push(subscriptions1);
  subscriptions1.subscribe(store.channel, {
    message(text) {
      const [env, revision] = text.split(' ');
      void evaluator.announced(env!, Number(revision));
    },
    reconnected() {
      void evaluator.recheck((env) => store.revision(env));
    },
  });
  return evaluator;
}

describe('flag store', () => {
  it('bumps the revision with each change, keeps history, and replicas follow through pub/sub', async () => {
    const a = replica();
    const b = replica();
    await store.create({
      key: 'f',
      type: 'boolean',
      description: 'd',
      owner: 'U1',
      createdAt: 1000,
      variants: defaultVariants('boolean'),
    });
    expect(await store.revision('staging')).toBe(1);
    const value = async (evaluator: Evaluator) => {
      const r = evaluateFlag(await evaluator.environment('staging'), 'f', { targetingKey: 'x' });
      return 'value' in r ? r.value : r.errorCode;
    };
    expect(await value(a)).toBe(false);
    expect(await value(b)).toBe(false);
    await store.change({ key: 'f', environment: 'staging', operation: { op: 'on' }, by: 'U1', at: 2000, what: 'on' });
    await vi.waitFor(async () => expect(await value(a)).toBe(true));
    await vi.waitFor(async () => expect(await value(b)).toBe(true));
    await store.change({
      key: 'f',
      environment: 'staging',
      operation: { op: 'rollout', percent: 30 },
      by: 'U1',
      at: 3000,
      what: 'r',
    });
    await vi.waitFor(async () => expect((await a.environment('staging')).revision).toBe(3));
    const history = await store.history('f');
    expect(history.map((c) => c.what)).toEqual(['r', 'on', 'created']);
    expect(await store.changesBetween(1500, 3000)).toHaveLength(2);
    const seen = {
      redis,
      keysOf:
        (capability: string) =>
        (...parts: string[]) =>
          [prefix, capability, ...parts].join(':'),
    };
    expect(await flagChangesBetween(seen, 1500, 3000)).toEqual([
      { flag: 'f', environment: 'staging', change: 'r in staging (on · 100% → on · 30%)', by: 'U1', at: 3000 },
      { flag: 'f', environment: 'staging', change: 'on in staging (off → on · 100%)', by: 'U1', at: 2000 },
    ]);
  });

  it('knows which flags name a service', () => {
    expect(namesService({ key: 'api.cache', description: '' }, 'api')).toBe(true);
    expect(namesService({ key: 'apiary', description: '' }, 'api')).toBe(false);
    expect(namesService({ key: 'new-ui', description: 'Faster api responses' }, 'api')).toBe(true);
  });

  it('loses no change when two writers race on one environment', async () => {
    await store.create({
      key: 'g',
      type: 'boolean',
      description: 'd',
      owner: 'U1',
      createdAt: 1000,
      variants: defaultVariants('boolean'),
    });
    const before = await store.revision('production');
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.change({
          key: 'g',
          environment: 'production',
          operation: { op: 'target', action: 'add', ids: [`id${i}`] },
          by: 'U1',
          at: 5000,
          what: 't',
        }),
      ),
    );
    expect((await store.statesOf('g')).production?.targets).toHaveLength(10);
    expect(await store.revision('production')).toBe(before + 10);
  });
});
