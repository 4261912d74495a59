import type { Redis } from 'ioredis';
import type { AlertGroup } from './rules.js';

/** Groups outlive their last change by this long (a resolved group may fire again and flap). */
const GROUP_TTL_SECONDS = 14 * 24 * 3600;

/**
 * Compare-and-set of one group: KEYS[1] the group (JSON `{rev, group}`), KEYS[2] the open-groups index. ARGV: the
 * revision read, the new value, ttl, group id, score ('' removes it from the index). Returns 1 if written, 0 if another
 * process wrote first.
 */
const SWAP = `
local current = redis.call('GET', KEYS[1])
local rev = 0
if current then rev = cjson.decode(current).rev end
if rev ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[5] == '' then redis.call('ZREM', KEYS[2], ARGV[4]) else redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4]) end
return 1
`;

/** Tries before a change gives up on a group every other worker keeps changing (the job is then retried). */
const MAX_SWAPS = 20;

/**
 * Alert groups in Redis, one JSON value each, changed by compare-and-set so that any number of workers can apply
 * webhooks and clicks to the same group without losing one. Open (firing) groups are indexed for `/ops alerts`.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly key: (...parts: string[]) => string,
  ) {}

  async get(id: string): Promise<AlertGroup | undefined> {
    return (await this.read(id)).group;
  }

  /**
   * Applies `change` to the group (undefined when new) and stores what it returns; undefined from `change` stores
   * nothing. Reruns `change` on the newest value when another process wrote meanwhile.
   */
  async change<R extends { group: AlertGroup } | undefined>(
    id: string,
    change: (group: AlertGroup | undefined) => R,
  ): Promise<R> {
    for (let tries = 0; tries < MAX_SWAPS; tries++) {
      const { rev, group } = await this.read(id);
      const result = change(group);
      if (result === undefined || result.group === group) return result;
      const next = result.group;
      const written = await this.redis.eval(
        SWAP,
        2,
        this.key('group', id),
        this.key('open'),
        rev,
        JSON.stringify({ rev: rev + 1, group: next }),
        GROUP_TTL_SECONDS,
        id,
        next.state === 'firing' ? String(next.since) : '',
      );
      if (written === 1) return result;
    }
    throw new Error(`alerts: group ${id} kept changing under us`);
  }

  /** Open groups, oldest first. */
  async open(limit = 200): Promise<AlertGroup[]> {
    const ids = await this.redis.zrange(this.key('open'), 0, limit - 1);
    const groups = await Promise.all(ids.map((id) => this.get(id)));
    return groups.filter((group): group is AlertGroup => group?.state === 'firing');
  }

  private async read(id: string): Promise<{ rev: number; group?: AlertGroup }> {
    const raw = await this.redis.get(this.key('group', id));
    if (!raw) return { rev: 0 };
    const parsed = JSON.parse(raw) as { rev: number; group: AlertGroup };
    return parsed;
  }
}
