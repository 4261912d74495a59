import type { RedisCommands } from '../../redis/connections.js';
import type { PaceRule } from './pace-rules.js';

/** Both scripts' opening: the rule, the clock, and the bucket's theoretical arrival time. */
const BUCKET = `
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local tat = tonumber(redis.call('GET', KEYS[1]) or now)`;

/**
 * GCRA (a token bucket kept as one "theoretical arrival time") in one Lua call, so every worker process shares the
 * bucket and the clock (Redis TIME) and two workers can never both take the last token. A call either reserves the
 * next free slot, if it starts within `maxWait`, and learns how long to sleep until it; or takes nothing and learns
 * when to ask again. Nobody polls: each caller sleeps exactly once, until its own slot.
 *
 * A caller may ask for a slot no earlier than `notBefore` (ARGV[5]): the bucket is then taken as it will be at that
 * time, so held-back calls that all come due together still get one burst, not a burst each.
 *
 * A caller of low priority leaves `headroom` (ARGV[6]) slots of the burst alone: it sees the bucket as that much
 * smaller, so calls of high priority (which leave none) find free slots even while low-priority ones keep the bucket
 * busy, and take them first. Both kinds move the same TAT, so together they never exceed the rule.
 *
 * A refused caller may join the bucket's waiting line (KEYS[2], its priority's; KEYS[3], the high-priority line a
 * low-priority caller waits behind): it then learns a time of its own, one interval after the last caller in line,
 * instead of the bucket's next free slot that every refused caller would learn — a hundred edits waiting for
 * chat.update's Tier 3 budget would all come back at that slot, one would get it, and the rest would go back to wait
 * again, each trip a job moved in and out of BullMQ's delayed set. Nothing is reserved: a caller that does not come
 * back (its edit was covered meanwhile) costs the line one interval, not the bucket a slot.
 *
 * KEYS[1] bucket, KEYS[2..3] optional waiting lines; ARGV: interval ms, burst, max wait ms, now ms ('' = Redis TIME),
 * not before ms ('' = now), headroom ('' = 0). Returns {reserved 0|1, wait ms (refused: until its turn in line)}.
 */
const RESERVE = `${BUCKET}
local maxWait = tonumber(ARGV[3])
local from = tonumber(ARGV[5]) or now
local headroom = tonumber(ARGV[6]) or 0
if from < now then from = now end
if tat < from then tat = from end
local wait = tat - (burst - 1 - headroom) * interval - now
if wait < from - now then wait = from - now end
if wait > maxWait then
  if not KEYS[2] then return {0, wait} end
  local at = now + wait
  for i = 2, #KEYS do
    local last = tonumber(redis.call('GET', KEYS[i]) or 0)
    if last + interval > at then at = last + interval end
  end
  redis.call('SET', KEYS[2], string.format('%d', at), 'PX', at - now + 1000)
  return {0, at - now}
end
local nextTat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', nextTat), 'PX', nextTat - now + 1000)
return {1, wait}
`;

/**
 * Slack said 429 with Retry-After: nobody takes a slot of this bucket before `now + retryAfter`.
 * KEYS[1] bucket; ARGV: interval ms, burst, retry-after ms, now ms ('' = Redis TIME).
 */
const HOLD_OFF = `${BUCKET}
local held = now + tonumber(ARGV[3]) + (burst - 1) * interval
if held > tat then
  redis.call('SET', KEYS[1], string.format('%d', held), 'PX', held - now + 1000)
end
return 1
`;

/** How long until the bucket's next free slot (ms, 0 when one is free now), taking nothing. KEYS[1] bucket; ARGV as RESERVE's. */
const PEEK = `${BUCKET}
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
return wait
`;

/** How urgent a call is: `high` ones may use the whole burst; `low` ones leave {@link headroomOf} slots to them. */
export type Priority = 'high' | 'low';

/** Slots of a bucket's burst that low-priority calls leave to high-priority ones: half, and none of a burst of 1. */
export function headroomOf(burst: number): number {
  return Math.floor(burst / 2);
}

export type Reservation = { reserved: true; waitMs: number } | { reserved: false; retryInMs: number };

export class Pacer {
  /**
   * @param key namespaces a bucket's Redis key (`key('pace', rule.key)`)
   * @param now an injected clock for tests; production uses Redis TIME, the one clock all processes share
   */
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
    private readonly now?: () => number,
  ) {}

  /**
   * Reserves the next slot of `rule`'s bucket if it starts within `maxWaitMs`; the caller then sleeps `waitMs` and
   * calls. Otherwise nothing is taken and `retryInMs` says when the bucket will have a slot that close.
   */
  async reserve(
    rule: PaceRule,
    maxWaitMs: number,
    notBefore?: number,
    priority: Priority = 'high',
    options: { line?: boolean } = {},
  ): Promise<Reservation> {
    const headroom = priority === 'low' ? headroomOf(rule.burst) : 0;
    const lines = options.line ? this.linesOf(rule, priority) : [];
    const [reserved, wait] = (await this.run(RESERVE, rule, maxWaitMs, notBefore, headroom, lines)) as [number, number];
    return reserved === 1 ? { reserved: true, waitMs: wait } : { reserved: false, retryInMs: wait - maxWaitMs };
  }

  /** The waiting line a refused caller of `priority` joins, then the one it waits behind (see RESERVE). */
  private linesOf(rule: PaceRule, priority: Priority): string[] {
    const high = this.key('pace-line', rule.key, 'high');
    return priority === 'low' ? [this.key('pace-line', rule.key, 'low'), high] : [high];
  }

  /** How long a caller would wait for `rule`'s next slot now (ms), without taking it. */
  async waitFor(rule: PaceRule): Promise<number> {
    return Number(await this.run(PEEK, rule, 0));
  }

  /** Keeps every process off `rule`'s bucket for `ms` (Slack answered 429 with that Retry-After). */
  async holdOff(rule: PaceRule, ms: number): Promise<void> {
    await this.run(HOLD_OFF, rule, ms);
  }

  private run(
    script: string,
    rule: PaceRule,
    ms: number,
    notBefore?: number,
    headroom = 0,
    lines: string[] = [],
  ): Promise<unknown> {
    const bucket = this.key('pace', rule.key);
    return this.redis.eval(
      script,
      1 + lines.length,
      bucket,
      ...lines,
      rule.intervalMs,
      rule.burst,
      ms,
      this.now?.() ?? '',
      notBefore ?? '',
      headroom,
    );
  }
}
