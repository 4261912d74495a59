import { describe, expect, it } from 'vitest';
import { anchored } from '../../../src/deploys/config.js';
import type { Deploy } from '../../../src/deploys/deploy.js';
import {
  currentVersion,
  deployStats,
  isFrozen,
  lastGoodBefore,
  mayStart,
  versionProblem,
} from '../../../src/deploys/rules.js';

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
});

describe('deployStats', () => {
  it('counts a failed or unverified deploy as a change failure, and rollbacks', () => {
    const stats = deployStats([
      deploy({}),
      deploy({ status: 'failed' }),
      deploy({ verified: false }),
      deploy({ kind: 'rollback' }),
      deploy({ status: 'rejected' }),
    ]);
    expect(stats).toEqual({ finished: 4, failed: 2, rollbacks: 1, changeFailureRate: 0.5 });
    expect(deployStats([]).changeFailureRate).toBeUndefined();
  });
});
