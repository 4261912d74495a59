import { afterAll, describe, expect, it } from 'vitest';
import { HOME_COALESCE_MS, HOME_VIEWER_TTL_MS, HomeViewers, homeRefresh } from '../../../src/bot/home-refresh.js';
import type { QueueDef } from '../../../src/platform/queue.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const redis = redisClient();
const prefix = uniquePrefix();
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

/** The jobs `changed()` asks for, by id (the job platform adds one job per id). */
function recordingJobs() {
  const ids = new Set<string>();
  return {
    ids,
    enqueue: async <T>(queue: QueueDef<T>, data: T) => {
      ids.add(queue.jobId(data));
    },
  };
}

describe('Home refresh', () => {
  it('republishes for whoever opened Home in the last 10 minutes, once per user and window', async () => {
    const viewers = new HomeViewers(redis, `${prefix}:home:viewers`);
    const start = 1_000_000 * HOME_COALESCE_MS;
    await viewers.opened('U0ALICE', start);
    await viewers.opened('U0BOB', start - HOME_VIEWER_TTL_MS);
    expect(await viewers.current(start)).toEqual(['U0ALICE']);

    let now = start;
    const jobs = recordingJobs();
    const refresh = homeRefresh({ viewers, jobs, now: () => new Date(now) });
    // Three changes within one window: one publish, due at the window's end.
    for (const at of [start + 1, start + 2000, start + HOME_COALESCE_MS - 1]) {
      now = at;
      await refresh.changed();
    }
    expect([...jobs.ids]).toEqual([`home-U0ALICE-${start + HOME_COALESCE_MS}`]);
    // The next window: another.
    now = start + HOME_COALESCE_MS;
    await refresh.changed();
    expect(jobs.ids.size).toBe(2);
    // Ten minutes later Alice's Home counts as closed: nothing.
    now = start + HOME_VIEWER_TTL_MS + 1;
    await refresh.changed();
    expect(jobs.ids.size).toBe(2);
  });
});
