import { afterAll, describe, expect, it } from 'vitest';
import { parseCatalog } from '../../../src/catalog.js';
import { newIncident, resolve, settingsOf } from '../../../src/incidents/rules.js';
import { IncidentStore } from '../../../src/incidents/store.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const redis = redisClient();
const prefix = uniquePrefix();
const store = new IncidentStore(redis, (...parts) => [prefix, 'incidents', ...parts].join(':'));
const settings = settingsOf(parseCatalog('roles: {}', {}).catalog);

afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** What the desk does: record, then claim the title; a refused one is discarded. */
async function declare(title: string): Promise<string | undefined> {
  const id = await store.nextId();
  const { incident } = newIncident({ id, title, severity: 'sev3', declaredBy: 'U0ALICE' }, settings, Date.now());
  await store.create(incident);
  const holder = await store.claimTitle(incident.titleKey, id);
  if (holder) {
    await store.discard(incident);
    return undefined;
  }
  return id;
}

describe('incident store', () => {
  it('lets one of many concurrent declarations of a title through, and the title again once it is resolved', async () => {
    const ids = (await Promise.all(Array.from({ length: 20 }, () => declare('Queue is stuck')))).filter(Boolean);
    expect(ids).toHaveLength(1);
    expect((await store.open()).map((i) => i.id)).toEqual(ids);
    expect(await declare('queue IS  stuck')).toBeUndefined();

    const done = await store.change(ids[0]!, (i) => i && resolve(i, 'drained', 'U0BOB', Date.now()).incident);
    await store.releaseTitle(done!);
    expect(await declare('Queue is stuck')).toBeDefined();
  });

  it('changes by compare-and-set: concurrent changes all land', async () => {
    const id = (await declare('Counter'))!;
    await Promise.all(Array.from({ length: 20 }, () => store.change(id, (i) => i && { ...i, updates: i.updates + 1 })));
    expect((await store.get(id))!.updates).toBe(20);
  });
});
