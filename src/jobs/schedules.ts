import { createHash, randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../log.js';
import type { JobHandler } from '../platform/capability.js';
import type { RedisCommands } from '../redis/connections.js';
import type { RedisKeys } from '../redis/keys.js';

/** A process refreshes its claim this often; a schedule set no live process has claimed for 3× this is forgotten. */
export const SCHEDULE_CLAIM_EVERY_MS = 20_000;
const FORGET_AFTER_MS = SCHEDULE_CLAIM_EVERY_MS * 3;
/** Applying a schedule set takes a few round trips per queue; the lock outlives any sane one. */
const LOCK_MS = 30_000;

/**
 * Registers this process's schedule set (by content hash) and says whether it is the newest live one. A set gets its
 * revision (one counter for the deployment) the first time any process claims it, so during a rollout the new config
 * is newer than the old one whichever replica restarts last. A set no process has claimed for FORGET_AFTER_MS is
 * forgotten, so a rollback to a config seen long ago counts as new again once the newer replicas are gone.
 * Redis' own clock (TIME), so hosts with skewed clocks agree. Every key shares the `schedules` hash tag.
 * KEYS: revisions (hash → revision), seen (zset hash → last claim ms), counter, applied (hash now in BullMQ)
 * ARGV: hash, forgetAfterMs. Returns { own revision, newest live revision, applied hash or '' }.
 */
const CLAIM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, gone in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))) do
  redis.call('HDEL', KEYS[1], gone)
  redis.call('ZREM', KEYS[2], gone)
end
local own = redis.call('HGET', KEYS[1], ARGV[1])
if not own then
  own = redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[1], ARGV[1], own)
end
redis.call('ZADD', KEYS[2], now, ARGV[1])
local newest = 0
for _, rev in ipairs(redis.call('HVALS', KEYS[1])) do
  if tonumber(rev) > newest then newest = tonumber(rev) end
end
return { tonumber(own), newest, redis.call('GET', KEYS[4]) or '' }
`;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type Wanted = Array<{
  handler: JobHandler<unknown>;
  schedules: ReturnType<NonNullable<JobHandler<unknown>['schedules']>>;
}>;

/**
 * Keeps BullMQ's job schedulers what the newest live ops.yml declares. Every worker process declares its schedule set
 * (the handlers' `schedules()`, hashed); only a process holding the newest revision applies it — upserting what it
 * declares and removing the schedulers it does not — so during a rollout a replica still on the older config never
 * removes the newer config's schedulers, and one restarting later does not put them back. Each process re-claims
 * every SCHEDULE_CLAIM_EVERY_MS: when the newer replicas are all gone (a rollback), the newest remaining set is applied.
 * BullMQ runs a scheduler's job once per interval however many workers there are.
 */
export class ScheduleSync {
  private readonly wanted: Wanted;
  readonly hash: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      redis: RedisCommands;
      keys: RedisKeys['schedules'];
      handlers: readonly JobHandler<unknown>[];
      queueOf: (name: string) => Queue;
      logger: Logger;
    },
  ) {
    this.wanted = deps.handlers.flatMap((handler) =>
      handler.schedules
        ? [{ handler, schedules: handler.schedules().map((s) => ({ ...s, data: handler.queue.schema.parse(s.data) })) }]
        : [],
    );
    this.hash = hashOf(this.wanted);
  }

  /** Claims and, when newest, applies (waiting for another process's apply to finish); then re-claims periodically. */
  async start(): Promise<void> {
    await this.sync({ wait: true });
    this.timer = setInterval(() => {
      this.running ??= this.sync({ wait: false })
        .catch((err: Error) => this.log.warn({ err: { message: err.message } }, 'schedule sync failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, SCHEDULE_CLAIM_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private get log(): Logger {
    return this.deps.logger;
  }

  private async sync(options: { wait: boolean }): Promise<void> {
    const { redis, keys } = this.deps;
    const token = randomUUID();
    // One process applies at a time: an older set's removals must not interleave with a newer set's upserts.
    while ((await redis.set(keys.lock, token, 'PX', LOCK_MS, 'NX')) !== 'OK') {
      if (!options.wait) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    try {
      const [own, newest, applied] = (await redis.eval(
        CLAIM,
        4,
        keys.revisions,
        keys.seen,
        keys.counter,
        keys.applied,
        this.hash,
        FORGET_AFTER_MS,
      )) as [number, number, string];
      if (own < newest) {
        if (options.wait) {
          this.log.info({ hash: this.hash, revision: own, newest }, 'schedules left to a newer ops.yml');
        }
        return;
      }
      if (applied === this.hash && !options.wait) return;
      await this.apply();
      await redis.set(keys.applied, this.hash);
      this.log.info({ hash: this.hash, revision: own }, 'schedules applied');
    } finally {
      await redis.eval(RELEASE, 1, keys.lock, token);
    }
  }

  private async apply(): Promise<void> {
    for (const { handler, schedules } of this.wanted) {
      const queue = this.deps.queueOf(handler.queue.name);
      const ids = new Set(schedules.map((schedule) => schedule.id));
      for (const existing of await queue.getJobSchedulers(0, -1)) {
        if (!ids.has(existing.key)) await queue.removeJobScheduler(existing.key);
      }
      for (const schedule of schedules) {
        await queue.upsertJobScheduler(
          schedule.id,
          { every: schedule.everyMs },
          {
            name: handler.queue.name,
            data: schedule.data,
            opts: { attempts: 1, removeOnComplete: true, removeOnFail: { count: 100 } },
          },
        );
      }
    }
  }
}

/** The schedule set's identity: queues, ids, intervals and data, in a stable order. */
function hashOf(wanted: Wanted): string {
  const canonical = wanted
    .map(({ handler, schedules }) => [
      handler.queue.name,
      schedules.map((s) => [s.id, s.everyMs, JSON.stringify(s.data)]).sort(),
    ])
    .sort();
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16);
}
