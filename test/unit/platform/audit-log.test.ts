import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditRetention } from '../../../src/platform/audit-log.js';
import { type RedisKeys, redisKeys } from '../../../src/redis/keys.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const redis = redisClient();
let prefix: string;
let keys: RedisKeys;
let audit: AuditLog;
const KEEP_ALL: AuditRetention = { maxAgeMs: 365 * 24 * 3600_000, maxEntries: 1_000_000 };

beforeEach(() => {
  prefix = uniquePrefix();
  keys = redisKeys(prefix);
  audit = new AuditLog(redis, keys.audit, KEEP_ALL);
});

afterEach(() => deletePrefix(redis, prefix));
afterAll(() => redis.disconnect());

const entry = (n: number) => ({
  actor: 'U0ALICE',
  action: 'deploy.request',
  target: `api@1.0.${n}`,
  outcome: 'ok' as const,
  at: new Date(Date.UTC(2026, 10, 22, 10, 0, n)),
});

describe('the audit log', () => {
  it('appends entries and lists the newest first', async () => {
    await audit.append(entry(1));
    await audit.append({ ...entry(2), outcome: 'denied', detail: 'needs role approver' });
    const latest = await audit.latest(10);
    expect(latest.map((e) => e.target)).toEqual(['api@1.0.2', 'api@1.0.1']);
    expect(latest[0]).toMatchObject({
      actor: 'U0ALICE',
      outcome: 'denied',
      detail: 'needs role approver',
      at: '2026-11-22T10:00:02.000Z',
    });
  });

  it('keeps one hash chain under concurrent appends (O1)', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, n) => audit.append(entry(n))));
    expect(await audit.verify()).toEqual({ ok: true, count: 50, removed: 0 });
  });

  it('detects an edited entry', async () => {
    for (let n = 0; n < 3; n++) await audit.append(entry(n));
    const key = keys.audit.stream;
    const rows = await redis.xrange(key, '-', '+');
    // Someone with Redis access rewrites the stream with the middle entry's actor changed, same ids and hashes.
    await redis.del(key);
    for (const [index, [id, fields]] of rows.entries()) {
      const forged = index === 1 ? fields.map((f) => f.replace('U0ALICE', 'U0MALLORY')) : fields;
      await redis.xadd(key, id, ...forged);
    }
    expect(await audit.verify()).toEqual({ ok: false, count: 1, removed: 0, brokenAt: rows[1]![0] });
  });
});

describe('retention', () => {
  it('keeps at most maxEntries, and the chain verifies from the checkpoint the cut left', async () => {
    const bounded = new AuditLog(redis, keys.audit, { ...KEEP_ALL, maxEntries: 5 });
    for (let n = 0; n < 12; n++) await bounded.append(entry(n));
    expect((await bounded.latest(100)).map((e) => e.target)).toEqual([11, 10, 9, 8, 7].map((n) => `api@1.0.${n}`));
    expect(await bounded.verify()).toEqual({ ok: true, count: 5, removed: 7 });
  });

  it('removes entries older than maxAgeMs', async () => {
    let now = Date.now();
    const aged = new AuditLog(redis, keys.audit, { ...KEEP_ALL, maxAgeMs: 24 * 3600_000 }, () => now);
    for (let n = 0; n < 3; n++) await aged.append(entry(n));
    now += 2 * 24 * 3600_000; // two days later, by this log's clock
    await aged.append(entry(3));
    expect((await aged.latest(100)).map((e) => e.target)).toEqual(['api@1.0.3']);
    expect(await aged.verify()).toEqual({ ok: true, count: 1, removed: 3 });
  });

  it('detects entries removed by hand: the oldest kept one no longer follows the checkpoint', async () => {
    const bounded = new AuditLog(redis, keys.audit, { ...KEEP_ALL, maxEntries: 100 });
    for (let n = 0; n < 4; n++) await bounded.append(entry(n));
    const [oldest] = await redis.xrange(keys.audit.stream, '-', '+', 'COUNT', 1);
    await redis.xdel(keys.audit.stream, oldest![0]);
    expect(await bounded.verify()).toMatchObject({ ok: false, count: 0 });
  });
});

describe('entries (the export walks them)', () => {
  it('lists every entry oldest first, and resumes after a given id', async () => {
    await Promise.all(Array.from({ length: 1203 }, (_, n) => audit.append(entry(n % 60))));
    const all = [];
    for await (const e of audit.entries()) all.push(e);
    expect(all).toHaveLength(1203);
    const rest = [];
    for await (const e of audit.entries(all[1200]!.id)) rest.push(e.id);
    expect(rest).toEqual(all.slice(1201).map((e) => e.id));
  });
});
