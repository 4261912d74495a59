import { describe, expect, it } from 'vitest';
import { anchored } from '../../../src/deploys/config.js';
import type { Deploy } from '../../../src/deploys/deploy.js';
import { deployStats, doraFigures, doraLine, roughDuration } from '../../../src/deploys/dora.js';
import { currentVersion, isFrozen, lastGoodBefore, mayStart, versionProblem } from '../../../src/deploys/rules.js';

let seq = 0;
const deploy = (over: Partial<Deploy>): Deploy => ({
  id: String(++seq),
  service: 'api',
  environment: 'production',
  version: '1.0.0',
  kind: 'deploy',
  status: 'succeeded',
  requester: 'U0ALICE',
  channel: 'C0OPS',
  needsApproval: false,
  requestedAt: seq,
  verified: true,
  runs: 0,
  ...over,
});

describe('versionProblem', () => {
  const pattern = anchored('v?\\d+\\.\\d+\\.\\d+');
  it('accepts a version matching the whole pattern', () => {
    expect(versionProblem('1.4.2', pattern)).toBeUndefined();
    expect(versionProblem('v1.4.2', pattern)).toBeUndefined();
  });
  it.each([';rm -rf /', '--help', '$(id)', '1.4.2\nrm', '1.4.2 x', '1.4.2;ls', `1.${'0'.repeat(10_000)}`, '1.4'])(
    'refuses %j',
    (hostile) => {
      expect(versionProblem(hostile, pattern)).toBeDefined();
    },
  );
});

describe('mayStart', () => {
  const now = 1000;
  const freeze = { by: 'U0ADMIN', reason: 'release', at: 0, until: 2000 };
  const base = { userId: 'U0ALICE', freeze: undefined, lock: undefined, holder: undefined, override: false, now };
  it('starts when nothing is in the way', () => expect(mayStart(base)).toEqual({ ok: true }));
  it('refuses a frozen environment unless overridden, and forgets a freeze that ended', () => {
    expect(mayStart({ ...base, freeze })).toMatchObject({ ok: false, reason: 'frozen' });
    expect(mayStart({ ...base, freeze, override: true })).toEqual({ ok: true });
    expect(mayStart({ ...base, freeze, now: 2000 })).toEqual({ ok: true });
    expect(isFrozen(freeze, 1999)).toBe(true);
  });
  it('refuses someone else’s lock but not the locker', () => {
    const lock = { by: 'U0BOB', reason: 'migration', at: 0 };
    expect(mayStart({ ...base, lock })).toMatchObject({ ok: false, reason: 'locked' });
    expect(mayStart({ ...base, lock, userId: 'U0BOB' })).toEqual({ ok: true });
  });
  it('refuses while another deploy is in progress, not after it finished', () => {
    expect(mayStart({ ...base, holder: deploy({ status: 'running' }) })).toMatchObject({ reason: 'busy' });
    expect(mayStart({ ...base, holder: deploy({ status: 'interrupted' }) })).toMatchObject({ reason: 'busy' });
    expect(mayStart({ ...base, holder: deploy({ status: 'failed' }) })).toEqual({ ok: true });
  });
});

describe('lastGoodBefore and currentVersion', () => {
  it('picks the newest verified success before the deploy being rolled back, of another version', () => {
    const old = deploy({ version: '1.0.0' });
    const unverified = deploy({ version: '1.1.0', verified: false });
    const failed = deploy({ version: '1.2.0', status: 'failed', verified: false });
    const again = deploy({ version: '1.3.0' });
    const bad = deploy({ version: '1.3.0', status: 'failed' });
    const history = [bad, again, failed, unverified, old];
    expect(lastGoodBefore(history, bad)).toBe('1.0.0');
    expect(lastGoodBefore(history, again)).toBe('1.0.0');
    expect(lastGoodBefore(history, old)).toBeUndefined();
    expect(currentVersion(history)).toBe('1.3.0');
  });

  it('rolls back to a success where no verification is configured', () => {
    const staged = deploy({ version: '1.0.0', verified: false, unverifiable: true });
    const bad = deploy({ version: '1.1.0', status: 'failed' });
    expect(lastGoodBefore([bad, staged], bad)).toBe('1.0.0');
  });
});

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = 100 * DAY;
/** A deploy that finished a day before NOW, after those made before it. */
const recent = (over: Partial<Deploy>): Deploy =>
  deploy({ requestedAt: NOW - DAY + seq, finishedAt: NOW - DAY + seq + 1, ...over });

describe('deployStats', () => {
  it('counts a failed or unverified deploy as a change failure, not one with no verification configured; rollbacks are not changes', () => {
    const stats = deployStats([
      recent({}),
      recent({ status: 'failed' }),
      recent({ verified: false }),
      recent({ status: 'rejected' }),
      recent({ verified: false, unverifiable: true }),
    ]);
    expect(stats).toEqual({ changes: 4, failed: 2, rollbacks: 0, changeFailureRate: 2 / 4 });
    expect(deployStats([]).changeFailureRate).toBeUndefined();
  });

  it('counts a verified deploy that was rolled back as a failure, in its own environment only', () => {
    const rolledBack = recent({ version: '1.1.0' });
    const staging = recent({ environment: 'staging' });
    const rollback = recent({ kind: 'rollback' });
    const after = recent({ version: '1.2.0' });
    expect(deployStats([after, rollback, staging, rolledBack])).toEqual({
      changes: 3,
      failed: 1,
      rollbacks: 1,
      changeFailureRate: 1 / 3,
    });
  });
});

describe('doraFigures', () => {
  const history = [
    recent({ finishedAt: NOW - DAY, committedAt: NOW - DAY - 4 * HOUR }),
    recent({ finishedAt: NOW - DAY, committedAt: NOW - DAY - 2 * HOUR }),
    recent({}),
    recent({ status: 'failed', committedAt: NOW - 2 * DAY }),
    recent({ requestedAt: NOW - 20 * DAY, finishedAt: NOW - 20 * DAY, committedAt: NOW - 21 * DAY }),
    recent({ requestedAt: NOW - 40 * DAY, finishedAt: NOW - 40 * DAY }),
  ];
  const restores = [
    { declaredAt: NOW - 3 * DAY, resolvedAt: NOW - 3 * DAY + 30 * 60_000 },
    { declaredAt: NOW - 12 * DAY, resolvedAt: NOW - 12 * DAY + 90 * 60_000 },
  ];

  it('counts deploys, the median lead time, the failure rate and the median restore over 7 and 30 days', () => {
    expect(doraFigures(history, restores, NOW, 7)).toEqual({
      days: 7,
      deploys: 3,
      leadTime: 3 * HOUR,
      changeFailureRate: 1 / 4,
      timeToRestore: 30 * 60_000,
    });
    expect(doraFigures(history, restores, NOW, 30)).toEqual({
      days: 30,
      deploys: 4,
      leadTime: 4 * HOUR,
      changeFailureRate: 1 / 5,
      timeToRestore: 60 * 60_000,
    });
  });

  it('says unknown where nothing reports a figure', () => {
    const figures = doraFigures([recent({})], [], NOW, 7);
    expect(doraLine(figures)).toBe('7d: 1 deploy, lead time unknown, change failure rate 0%, time to restore unknown');
    expect(doraLine(doraFigures([], [], NOW, 30))).toBe(
      '30d: 0 deploys, lead time unknown, change failure rate unknown, time to restore unknown',
    );
  });

  it('rounds durations to their largest unit', () => {
    expect([
      roughDuration(10_000),
      roughDuration(45 * 60_000),
      roughDuration(26 * HOUR),
      roughDuration(3 * DAY),
    ]).toEqual(['1m', '45m', '26h', '3d']);
  });
});
