import { describe, expect, it } from 'vitest';
import { RunbookSchema } from '../../../src/runbooks/config.js';
import { checkParams } from '../../../src/runbooks/params.js';
import { finalStatus, initialState, nextIndex, PlanError, planRunbook, settle } from '../../../src/runbooks/rules.js';
import type { Run } from '../../../src/runbooks/run.js';

const runbook = RunbookSchema.parse({
  parameters: [{ name: 'mode', choices: ['soft', 'hard'], default: 'soft' }, { name: 'host' }],
  steps: [
    { name: 'drain', run: ['./drain.sh', '{service}', '{host}'], onFailure: ['page'] },
    { name: 'restart', http: { method: 'POST', url: 'http://x/{service}/restart?mode={mode}' } },
    { name: 'tell', say: 'restarted {service}', onFailure: 'continue' },
  ],
  recovery: [{ name: 'page', say: 'drain failed on {host}' }],
});

function runOf(): Run {
  const steps = planRunbook(runbook, {
    runbook: 'r',
    service: 'api',
    user: 'U1',
    params: { mode: 'hard', host: 'h1' },
  });
  return {
    id: '1',
    kind: 'runbook',
    name: 'r',
    params: {},
    requester: 'U1',
    channel: 'C1',
    createdAt: 0,
    status: 'running',
    steps,
    state: initialState(steps),
    guard: [],
    humanRole: 'deployer',
  };
}

describe('runbook parameters', () => {
  it('refuses shell syntax, options, line breaks, overlong values and unknown names, and reports missing ones', () => {
    for (const value of ['a;b', '$(reboot)', '`id`', '--force', 'a\nb', 'x'.repeat(300), 'two words', '']) {
      const checked = checkParams(runbook, { host: value });
      expect(checked.ok, JSON.stringify(value)).toBe(false);
    }
    expect(checkParams(runbook, { host: 'db-1.internal', mode: 'medium' })).toMatchObject({
      ok: false,
      problems: [{ name: 'mode', message: 'must be one of soft, hard' }],
    });
    expect(checkParams(runbook, { host: 'h', color: 'red' })).toMatchObject({
      ok: false,
      problems: [{ name: 'color' }],
    });
    expect(checkParams(runbook, {})).toMatchObject({ ok: false, problems: [], missing: [{ name: 'host' }] });
    expect(checkParams(runbook, { host: 'db-1.internal' })).toEqual({
      ok: true,
      params: { mode: 'soft', host: 'db-1.internal' },
    });
  });

  it('fills parameters as whole argv elements and URL-encodes them in URLs', () => {
    const [drain, restart] = runOf().steps;
    expect(drain!.action).toMatchObject({ kind: 'run', argv: ['./drain.sh', 'api', 'h1'] });
    expect(restart!.action).toMatchObject({ kind: 'http', url: 'http://x/api/restart?mode=hard' });
    expect(() => planRunbook(runbook, { runbook: 'r', user: 'U1', params: { mode: 'soft', host: 'h' } })).toThrow(
      PlanError,
    );
  });

  it('refuses a parameter inside a larger argument in ops.yml', () => {
    const parsed = RunbookSchema.safeParse({
      parameters: [{ name: 'host' }],
      steps: [{ name: 'x', run: ['./x.sh', '--host={host}'] }],
    });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('a parameter fills a whole argument');
  });
});

describe('run progression', () => {
  it('runs recovery steps named by a failing step, skips the rest, and fails the run', () => {
    let run = runOf();
    expect(nextIndex(run)).toBe(0);
    run = settle(run, 0, { ok: false, detail: 'exit code 1' }, 1);
    expect(run.state.map((s) => s.status)).toEqual(['failed', 'skipped', 'skipped', 'pending']);
    expect(nextIndex(run)).toBe(3);
    run = settle(run, 3, { ok: true, detail: 'said' }, 2);
    expect(nextIndex(run)).toBeUndefined();
    expect(finalStatus(run)).toBe('failed');
  });

  it('carries on after a step with onFailure: continue, and succeeds', () => {
    let run = runOf();
    run = settle(run, 0, { ok: true, detail: 'ok' }, 1);
    run = settle(run, 1, { ok: true, detail: 'HTTP 200' }, 2);
    run = settle(run, 2, { ok: false, detail: 'nope' }, 3);
    expect(nextIndex(run)).toBeUndefined();
    expect(run.state[3]!.status).toBe('unused');
    expect(finalStatus(run)).toBe('succeeded');
  });

  it('skips the rest when cancelled', () => {
    let run: Run = { ...runOf(), cancelledBy: 'U2' };
    run = settle(run, 0, { ok: false, detail: 'cancelled', cancelled: true }, 1);
    expect(run.state.map((s) => s.status)).toEqual(['cancelled', 'skipped', 'skipped', 'unused']);
    expect(finalStatus(run)).toBe('cancelled');
  });
});

describe('flag steps', () => {
  const environments = (name: string | undefined) =>
    (name ?? 'staging') === 'staging'
      ? { environment: 'staging' }
      : name === 'production'
        ? { environment: 'production', approval: { from: 'approver', count: 1, expiresInMs: 60_000 } }
        : { problem: `"${name}" is not a flag environment (staging, production)` };
  const plan = (raw: unknown, params: Record<string, string> = {}) =>
    planRunbook(RunbookSchema.parse(raw), { runbook: 'r', user: 'U1', params, flagEnvironment: environments });

  it('reads on, off and percentages, and defaults to the first environment', () => {
    const steps = plan(
      {
        parameters: [{ name: 'flag', default: 'new-ui' }],
        steps: [
          { name: 'a', flag: { key: '{flag}', to: 'off' } },
          { name: 'b', flag: { key: 'new-ui', to: true } },
          { name: 'c', flag: { key: 'new-ui', to: '25%' } },
        ],
      },
      { flag: 'new-ui' },
    );
    expect(steps.map((s) => s.action)).toEqual([
      { kind: 'flag', key: 'new-ui', environment: 'staging', change: { op: 'off' } },
      { kind: 'flag', key: 'new-ui', environment: 'staging', change: { op: 'on' } },
      { kind: 'flag', key: 'new-ui', environment: 'staging', change: { op: 'rollout', percent: 25 } },
    ]);
    // Each sets a state, so a crash during one runs it again instead of asking a human.
    expect(steps.every((s) => s.retryable)).toBe(true);
    expect(RunbookSchema.safeParse({ steps: [{ name: 'a', flag: { key: 'x', to: '150%' } }] }).success).toBe(false);
    expect(() => plan({ steps: [{ name: 'a', flag: { key: 'x', to: 'off', in: 'qa' } }] })).toThrow(
      'step a: "qa" is not a flag environment',
    );
  });

  it('puts flags.approval’s gate before a change where it applies, unless the runbook’s approval is that policy', () => {
    const gated = plan({
      steps: [{ name: 'kill', flag: { key: 'x', to: 'off', in: 'production' }, onFailure: ['tell'] }],
      recovery: [{ name: 'tell', say: 'not killed' }],
    });
    expect(gated.map((s) => `${s.section}:${s.name}:${s.action.kind}`)).toEqual([
      'main:kill approval:approve',
      'main:kill:flag',
      'recovery:tell:say',
    ]);
    expect(gated[0]).toMatchObject({ action: { from: 'approver', count: 1 }, onFailure: ['tell'], gateOf: 'kill' });
    const covered = plan({
      approval: { from: 'approver' },
      steps: [{ name: 'kill', flag: { key: 'x', to: 'off', in: 'production' } }],
    });
    expect(covered.map((s) => s.name)).toEqual(['approval', 'kill']);
  });

  it('runs a recovery flag step together with its gate', () => {
    const steps = plan({
      steps: [{ name: 'try', say: 'x', onFailure: ['kill'] }],
      recovery: [{ name: 'kill', flag: { key: 'x', to: 'off', in: 'production' } }],
    });
    const run: Run = { ...runOf(), steps, state: initialState(steps) };
    const after = settle(run, 0, { ok: false, detail: 'no' }, 1);
    expect(after.state.map((s) => s.status)).toEqual(['failed', 'pending', 'pending']);
  });
});
