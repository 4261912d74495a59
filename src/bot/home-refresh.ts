import type { View } from '@slack/types';
import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue, type Enqueuer } from '../platform/queue.js';
import type { HomeRefresh } from '../platform/services.js';
import type { RedisCommands } from '../redis/connections.js';
import type { SlackOutbox } from '../slack/outbox/outbox.js';

/** Someone who opened Home this long ago is taken to still have it open (Slack tells when Home opens, not closes). */
export const HOME_VIEWER_TTL_MS = 10 * 60_000;
/**
 * One user's Home is republished at most once per this long, with the state at the end of the window. views.publish is
 * Tier 4 (100 a minute per workspace, slack-platform.md): a check flapping every second costs each viewer 12 a minute.
 */
export const HOME_COALESCE_MS = 5000;

/** Who has Home open: a sorted set of user ids scored by when their Home counts as closed (ms). */
export class HomeViewers {
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: string,
  ) {}

  async opened(userId: string, now: number): Promise<void> {
    await this.redis
      .multi()
      .zadd(this.key, now + HOME_VIEWER_TTL_MS, userId)
      .zremrangebyscore(this.key, '-inf', now)
      .pexpire(this.key, HOME_VIEWER_TTL_MS)
      .exec();
  }

  /** Users whose Home is open at `now`. */
  current(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.key, `(${now}`, '+inf');
  }
}

const homeJob = z.object({
  userId: z.string().regex(/^[UW][A-Z0-9]{1,20}$/),
  /** The end of the coalescing window (ms): every change within it is shown by this one publish. */
  due: z.number().int(),
});
type HomeJob = z.output<typeof homeJob>;

export const homeQueue = defineQueue<HomeJob>({
  name: 'home-publish',
  schema: homeJob,
  // One job per user and window: changes within a window add nothing.
  jobId: (data) => `home-${data.userId}-${data.due}`,
  attempts: 4,
  backoff: { type: 'exponential', delayMs: 2000 },
  onStall: 'rerun',
  dedupeTtlSeconds: 120,
});

/** `services.home`: a capability says what Home shows changed; each open Home is republished once per window. */
export function homeRefresh(deps: { viewers: HomeViewers; jobs: Pick<Enqueuer, 'enqueue'>; now(): Date }): HomeRefresh {
  return {
    async changed() {
      const now = deps.now().getTime();
      const due = (Math.floor(now / HOME_COALESCE_MS) + 1) * HOME_COALESCE_MS;
      const users = await deps.viewers.current(now);
      await Promise.all(users.map((userId) => deps.jobs.enqueue(homeQueue, { userId, due })));
    },
  };
}

/**
 * Publishes one user's Home at the end of its window, composed then, through the outbox's paced `views.publish`
 * (a rate-limited turn is retried by the job's backoff).
 */
export function homePublishHandler(deps: {
  outbox: SlackOutbox;
  view(userId: string): Promise<View>;
  now(): Date;
}): JobHandler<HomeJob> {
  return {
    queue: homeQueue,
    async process(data, ctx) {
      const wait = data.due - deps.now().getTime();
      if (wait > 0) await ctx.later(wait);
      await deps.outbox.call('views.publish', { user_id: data.userId, view: await deps.view(data.userId) });
      return { published: data.userId };
    },
  };
}
