import type { RedisCommands } from '../redis/connections.js';
import type { RedisKeys } from '../redis/keys.js';

/** Looks up a user group's members in Slack (usergroups.users.list). */
export type FetchGroupMembers = (groupId: string) => Promise<string[]>;

/**
 * Caches user-group members in Redis for a short time: every bot process shares the cache, membership changes in
 * Slack show up within `ttlMs`, and a burst of button clicks costs one Slack call (usergroups.users.list is Tier 2).
 * `ttlMs` 0 turns the cache off: every check asks Slack (Redis refuses `SET … PX 0`, so nothing is written).
 */
export class UsergroupCache {
  constructor(
    private readonly redis: RedisCommands,
    private readonly keys: Pick<RedisKeys, 'usergroupMembers'>,
    private readonly ttlMs: number,
    private readonly fetchMembers: FetchGroupMembers,
  ) {}

  async members(groupId: string): Promise<string[]> {
    if (this.ttlMs === 0) return this.fetchMembers(groupId);
    const key = this.keys.usergroupMembers(groupId);
    const cached = await this.redis.get(key);
    if (cached) return JSON.parse(cached) as string[];
    const members = await this.fetchMembers(groupId);
    await this.redis.set(key, JSON.stringify(members), 'PX', this.ttlMs);
    return members;
  }

  async membersOf(groupIds: readonly string[]): Promise<Record<string, string[]>> {
    const entries = await Promise.all(groupIds.map(async (id) => [id, await this.members(id)] as const));
    return Object.fromEntries(entries);
  }
}
