import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Approvals } from '../../src/approvals/approvals.js';
import { deletePrefix, redisClient, uniquePrefix } from '../support/redis.js';

let redis: Redis;
const prefix = uniquePrefix();
let approvals: Approvals;
let seq = 0;
beforeAll(() => {
  redis = redisClient();
  approvals = new Approvals(redis, (...parts) => [prefix, 'test', ...parts].join(':'));
});
afterAll(async () => {
  await deletePrefix(redis, prefix);
  redis.disconnect();
});

const policy = { from: 'approver', count: 1, expiresInMs: 60_000 };
const request = (over: Partial<typeof policy> = {}) =>
  approvals.create({ id: String(++seq), requester: 'U0ALICE', policy: { ...policy, ...over }, at: 1000 });

describe('Approvals', () => {
  it('never lets the requester approve their own request, and records the refused click', async () => {
    const { id } = await request();
    expect(await approvals.decide({ id, userId: 'U0ALICE', decision: 'approve', at: 1001 })).toBe('self');
    const after = await approvals.get(id);
    expect(after?.status).toBe('pending');
    expect(after?.clicks).toEqual([{ userId: 'U0ALICE', decision: 'approve', outcome: 'self', at: 1001 }]);
  });

  it('completes a count-1 request exactly once, however many clicks arrive at once', async () => {
    const { id } = await request();
    const clickers = ['U0BOB', 'U0BOB', 'U0LEAD', 'U0CAROL', 'U0BOB', 'U0LEAD'];
    const outcomes = await Promise.all(
      clickers.map((userId) => approvals.decide({ id, userId, decision: 'approve', at: 2000 })),
    );
    expect(outcomes.filter((outcome) => outcome === 'approved')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === 'closed')).toHaveLength(clickers.length - 1);
    expect((await approvals.get(id))?.clicks).toHaveLength(clickers.length);
  });

  it('needs `count` different approvers', async () => {
    const { id } = await request({ count: 2 });
    expect(await approvals.decide({ id, userId: 'U0BOB', decision: 'approve', at: 2000 })).toBe('counted');
    expect(await approvals.decide({ id, userId: 'U0BOB', decision: 'approve', at: 2001 })).toBe('again');
    expect(await approvals.decide({ id, userId: 'U0LEAD', decision: 'approve', at: 2002 })).toBe('approved');
    expect((await approvals.get(id))?.approvers).toEqual(['U0BOB', 'U0LEAD']);
  });

  it('refuses approval after it expires, and closes on a rejection', async () => {
    const expiring = await request();
    expect(await approvals.decide({ id: expiring.id, userId: 'U0BOB', decision: 'approve', at: 61_001 })).toBe(
      'expired',
    );
    expect((await approvals.get(expiring.id))?.status).toBe('expired');
    const rejected = await request();
    expect(await approvals.decide({ id: rejected.id, userId: 'U0BOB', decision: 'reject', at: 2000 })).toBe('rejected');
    expect(await approvals.decide({ id: rejected.id, userId: 'U0LEAD', decision: 'approve', at: 2001 })).toBe('closed');
    expect(await approvals.decide({ id: 'nope', userId: 'U0BOB', decision: 'approve', at: 2000 })).toBe('missing');
  });
});
