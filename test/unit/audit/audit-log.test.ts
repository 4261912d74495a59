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
    const [, middle] = await redis.xrange(`${prefix}:audit`, '-', '+');
    const fields = middle![1];
    const forged = fields[1]!.replace('U0ALICE', 'U0MALLORY');
    // An attacker with Redis access rewrites the middle entry in place (delete + re-add with the same id).
    await redis.xdel(`${prefix}:audit`, middle![0]);
    await redis.xadd(
      `${prefix}:audit`,
      middle![0].replace(/-(\d+)$/, (_, seq) => `-${Number(seq) + 1000}`),
      'entry',
      forged,
      'prev',
      fields[3]!,
      'hash',
      fields[5]!,
    );
    const result = await audit.verify();
    expect(result.ok).toBe(false);
  });
});
