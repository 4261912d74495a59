import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../src/audit/audit-log.js';
import { deletePrefix, redisClient, uniquePrefix } from '../../support/redis.js';

const redis = redisClient();
let prefix: string;
let audit: AuditLog;

beforeEach(() => {
  prefix = uniquePrefix();
  audit = new AuditLog(redis, prefix);
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
    expect(await audit.verify()).toEqual({ ok: true, count: 50 });
  });

  it('detects an edited entry', async () => {
    for (let n = 0; n < 3; n++) await audit.append(entry(n));
    const key = `${prefix}:audit`;
    const rows = await redis.xrange(key, '-', '+');
    // Someone with Redis access rewrites the stream with the middle entry's actor changed, same ids and hashes.
    await redis.del(key);
    for (const [index, [id, fields]] of rows.entries()) {
      const forged = index === 1 ? fields.map((f) => f.replace('U0ALICE', 'U0MALLORY')) : fields;
      await redis.xadd(key, id, ...forged);
    }
    expect(await audit.verify()).toEqual({ ok: false, count: 1, brokenAt: rows[1]![0] });
  });
});
