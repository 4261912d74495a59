import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Permissions } from '../../../src/access/permissions.js';
import { UsergroupCache } from '../../../src/access/usergroups.js';
import { PermissionDenied } from '../../../src/errors.js';
import { AuditLog } from '../../../src/platform/audit-log.js';
import { RefusalThrottle, refusalLogging } from '../../../src/platform/refusal-throttle.js';
import { type RedisKeys, redisKeys } from '../../../src/redis/keys.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const redis = redisClient();
const ROLES = {
  responder: ['*'],
  deployer: ['S0DEVS', 'U0ALICE'],
  admin: ['U0ADMIN', 'S0ADMINS'],
};
const GROUPS: Record<string, string[]> = { S0DEVS: ['U0DEV'], S0ADMINS: ['U0LEAD'] };

let prefix: string;
let keys: RedisKeys;
let audit: AuditLog;
/** usergroups.users.list calls, by group. */
let fetched: string[];
let clock: Date;

function permissions(options: { cacheMs?: number; refusalsPerMinute?: number } = {}): Permissions {
  const groups = new UsergroupCache(redis, keys, options.cacheMs ?? 60_000, async (groupId) => {
    fetched.push(groupId);
    return GROUPS[groupId] ?? [];
  });
  const refusals = new RefusalThrottle(redis, keys.audit, options.refusalsPerMinute ?? 10);
  return new Permissions(ROLES, groups, audit, refusals, () => clock);
}

const request = (userId: string, role = 'admin') => ({ userId, role, action: 'audit.view', target: 'audit-log' });

beforeEach(() => {
  prefix = uniquePrefix();
  keys = redisKeys(prefix);
  audit = new AuditLog(redis, keys.audit, { maxAgeMs: 365 * 24 * 3600_000, maxEntries: 1_000_000 });
  fetched = [];
  clock = new Date(Date.UTC(2026, 11, 2, 10, 0, 0));
});
afterEach(() => deletePrefix(redis, prefix));
afterAll(() => redis.disconnect());

describe('Permissions.holds', () => {
  it('grants "*" and listed users without asking Slack', async () => {
    const p = permissions();
    expect(await p.holds('U0ANYONE', 'responder')).toBe(true);
    expect(await p.holds('U0ALICE', 'deployer')).toBe(true);
    expect(fetched).toEqual([]);
  });

  it('grants through a user group, asking Slack once while the cache holds', async () => {
    const p = permissions();
    expect(await p.holds('U0DEV', 'deployer')).toBe(true);
    expect(await p.holds('U0DEV', 'deployer')).toBe(true);
    expect(await p.holds('U0NOBODY', 'deployer')).toBe(false);
    expect(fetched).toEqual(['S0DEVS']);
  });

  it('refuses a role ops.yml does not define', async () => {
    expect(await permissions().holds('U0ADMIN', 'superuser')).toBe(false);
  });

  it('works with the cache off (USERGROUP_CACHE_MS=0): asks Slack every time, stores nothing', async () => {
    const p = permissions({ cacheMs: 0 });
    expect(await p.holds('U0LEAD', 'admin')).toBe(true);
    expect(await p.holds('U0LEAD', 'admin')).toBe(true);
    expect(fetched).toEqual(['S0ADMINS', 'S0ADMINS']);
    expect(await redis.exists(keys.usergroupMembers('S0ADMINS'))).toBe(0);
  });
});

describe('Permissions.require', () => {
  it('lets a holder through and audits nothing', async () => {
    await permissions().require(request('U0LEAD'));
    expect(await audit.latest(10)).toEqual([]);
  });

  it('throws PermissionDenied naming the role, and audits the refusal', async () => {
    await expect(permissions().require(request('U0CAROL'))).rejects.toThrow(PermissionDenied);
    const [entry] = await audit.latest(1);
    expect(entry).toMatchObject({
      actor: 'U0CAROL',
      action: 'audit.view',
      target: 'audit-log',
      outcome: 'denied',
      detail: 'needs role admin',
      at: clock.toISOString(),
    });
  });

  it('logs at most N refusals per user per minute, then a notice, and summarises the rest later', async () => {
    const p = permissions({ refusalsPerMinute: 3 });
    for (let i = 0; i < 10; i++) await expect(p.require(request('U0FLOOD'))).rejects.toThrow(PermissionDenied);
    // Another user is not throttled by the first one's flood.
    await expect(p.require(request('U0CAROL'))).rejects.toThrow(PermissionDenied);
    const minute = (await audit.latest(100)).reverse();
    expect(minute.map((e) => [e.actor, e.action])).toEqual([
      ['U0FLOOD', 'audit.view'],
      ['U0FLOOD', 'audit.view'],
      ['U0FLOOD', 'audit.view'],
      ['U0FLOOD', 'audit.refusals-throttled'],
      ['U0CAROL', 'audit.view'],
    ]);

    clock = new Date(clock.getTime() + 5 * 60_000);
    await expect(p.require(request('U0FLOOD'))).rejects.toThrow(PermissionDenied);
    const [summary, refusal] = (await audit.latest(2)).reverse();
    expect(summary).toMatchObject({
      actor: 'U0FLOOD',
      action: 'audit.refusals-suppressed',
      detail: '7 more refusals between 2026-12-02T10:00:00.000Z and 2026-12-02T10:01:00.000Z were counted, not logged',
    });
    expect(refusal).toMatchObject({ actor: 'U0FLOOD', action: 'audit.view', detail: 'needs role admin' });
    expect(await audit.verify()).toMatchObject({ ok: true, count: 7 });
  });
});

describe('refusalLogging', () => {
  it.each([
    [1, 'entry'],
    [3, 'entry'],
    [4, 'notice'],
    [5, 'count'],
  ] as const)('the refusal number %i of a minute, limit 3: %s', (n, expected) => {
    expect(refusalLogging(n, 3)).toBe(expected);
  });
});
