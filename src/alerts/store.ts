import { createHash } from 'node:crypto';
import type { RedisCommands } from '../redis/connections.js';
import { Records } from '../redis/records.js';
import type { PaceRule } from '../slack/outbox/pace-rules.js';
import { Pacer } from '../slack/outbox/pacer.js';
import type { AlertGroup } from './rules.js';

/** Groups outlive their last change by this long (a resolved group may fire again and flap). */
const GROUP_TTL_SECONDS = 14 * 24 * 3600;

/** Slack's chat.postMessage limit per channel: one a second (slack-platform.md). */
export const POST_INTERVAL_MS = 1000;

/**
 * A channel's line of alert posts: the outbox's pacer, as a one-slot bucket per channel on Redis TIME, so every worker
 * counts the same backlog. It only forecasts (the outbox paces the real calls): a storm is digested when it grows.
 */
const lineOf = (channel: string): PaceRule => ({ key: `line:${channel}`, intervalMs: POST_INTERVAL_MS, burst: 1 });

/**
 * The lead of a channel's and service's outage: KEYS[1] holds `<id>:<epoch>` of the group whose message related groups
 * thread under, for the relate window. ARGV: the asking group, the window (ms), and a lead found gone ('' for none),
 * which the asking group replaces. Returns the lead: the asking group when it leads now. One round trip per new group.
 */
const CLAIM_LEAD = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]
`;

/**
 * Alert groups in Redis, one JSON value each, changed by compare-and-set so that any number of workers can apply
 * webhooks and clicks to the same group without losing one. Open (firing) groups are indexed for `/ops alerts`.
 */
export class AlertStore {
  private readonly groups: Records<AlertGroup>;
  private readonly line: Pacer;

  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {
    this.line = new Pacer(redis, key);
    this.groups = new Records(redis, key, {
      kind: 'group',
      ttlSeconds: GROUP_TTL_SECONDS,
      // Written only by this store, from rules-made groups.
      parse: (stored) => stored as AlertGroup,
      openSince: (group) => (group.state === 'firing' ? group.since : undefined),
    });
  }

  get(id: string): Promise<AlertGroup | undefined> {
    return this.groups.get(id);
  }

  /**
   * Applies `change` to the group (undefined when new) and stores what it returns; undefined from `change` stores
   * nothing. Reruns `change` on the newest value when another process wrote meanwhile.
   */
  async change<R extends { group: AlertGroup } | undefined>(
    id: string,
    change: (group: AlertGroup | undefined) => R,
  ): Promise<R> {
    let result: R | undefined;
    await this.groups.change(id, (group) => {
      result = change(group);
      return result?.group;
    });
    return result as R;
  }

  /**
   * The group leading `service`'s outage in `channel` (`<id>:<epoch>`), taking the lead for `self` when none does or
   * the one named `gone` no longer may.
   */
  async claimLead(channel: string, service: string, self: string, windowMs: number, gone = ''): Promise<string> {
    const hashed = createHash('sha256').update(service).digest('hex').slice(0, 20);
    return String(await this.redis.eval(CLAIM_LEAD, 1, this.key('lead', channel, hashed), self, windowMs, gone));
  }

  /** Counts a post this capability asks for in `channel`: it takes the next place in the channel's line. */
  async reservePost(channel: string): Promise<void> {
    await this.line.reserve(lineOf(channel), Number.MAX_SAFE_INTEGER);
  }

  /** Like `reservePost`, but only while at most `limit` posts wait: false (nothing taken) when the channel is busier. */
  async claimPost(channel: string, limit: number): Promise<boolean> {
    return (await this.line.reserve(lineOf(channel), limit * POST_INTERVAL_MS)).reserved;
  }

  /** Posts still waiting for `channel`'s line, without adding one. */
  async backlog(channel: string): Promise<number> {
    return Math.ceil((await this.line.waitFor(lineOf(channel))) / POST_INTERVAL_MS);
  }

  /** The digest collecting new groups for `channel` now, starting one when none is open. */
  async currentDigest(channel: string): Promise<number> {
    const open = await this.redis.get(this.key('digest', channel));
    if (open) return Number(open);
    const next = await this.redis.incr(this.key('digests', channel));
    // Another worker may have opened one meanwhile: the first to set wins, the number it set is the digest.
    await this.redis.set(this.key('digest', channel), next, 'EX', GROUP_TTL_SECONDS, 'NX');
    return Number(await this.redis.get(this.key('digest', channel)));
  }

  /** Closes digest `n` of `channel`: groups arriving later start a new one. */
  async closeDigest(channel: string, n: number): Promise<void> {
    const open = await this.redis.get(this.key('digest', channel));
    if (open === String(n)) await this.redis.del(this.key('digest', channel));
  }

  async addToDigest(channel: string, n: number, id: string, now: number): Promise<void> {
    const key = this.key('digest', channel, String(n));
    await this.redis.zadd(key, 'NX', now, id);
    await this.redis.expire(key, GROUP_TTL_SECONDS);
  }

  async digestGroups(channel: string, n: number): Promise<AlertGroup[]> {
    const ids = await this.redis.zrange(this.key('digest', channel, String(n)), 0, -1);
    const groups = await Promise.all(ids.map((id) => this.get(id)));
    return groups.filter((group): group is AlertGroup => group !== undefined);
  }

  /** Lists the group's Opsdeck silence for `/ops alerts` until it ends. */
  async indexSilence(id: string, until: number): Promise<void> {
    await this.redis.zadd(this.key('silences'), until, id);
  }

  async unindexSilence(id: string): Promise<void> {
    await this.redis.zrem(this.key('silences'), id);
  }

  /** Groups silenced here whose silence has not ended by `now`, soonest to end first. */
  async silenced(now: number, limit = 50): Promise<AlertGroup[]> {
    const ids = await this.redis.zrangebyscore(this.key('silences'), now + 1, '+inf', 'LIMIT', 0, limit);
    const groups = await Promise.all(ids.map((id) => this.get(id)));
    return groups.filter((group): group is AlertGroup => (group?.silence?.until ?? 0) > now);
  }

  /** Open groups, oldest first. */
  open(limit = 200): Promise<AlertGroup[]> {
    return this.groups.open(limit);
  }
}
