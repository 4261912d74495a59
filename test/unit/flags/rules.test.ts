import { describe, expect, it } from 'vitest';
import { type Evaluation, Evaluator, evaluateAll, evaluateFlag } from '../../../src/flags/evaluator.js';
import {
  applyOperation,
  defaultVariants,
  type EnvironmentState,
  type FlagDefinition,
  FlagRefused,
  initialState,
  isStale,
  rolloutSteps,
  toFlagdSet,
} from '../../../src/flags/rules.js';
import { createLogger } from '../../../src/log.js';

const AT = 1_700_000_000_000;
const definition = (key: string, type: FlagDefinition['type'] = 'boolean'): FlagDefinition => ({
  key,
  type,
  description: 'test flag',
  owner: 'U0ALICE',
  createdAt: AT,
  variants: defaultVariants(type),
});
const state = (patch: Partial<EnvironmentState>): EnvironmentState => ({ ...initialState(AT, 'U0ALICE'), ...patch });

/** flagd-core loaded with a set, through the Evaluator the OFREP routes use. */
async function load(flags: Array<{ definition: FlagDefinition; state?: EnvironmentState }>) {
  const set = toFlagdSet(
    'staging',
    1,
    flags.map((f) => ({ definition: f.definition, state: f.state })),
  );
  const evaluator = new Evaluator(async () => ({ revision: 1, set }), createLogger({ level: 'silent' }));
  return evaluator.environment('staging');
}

const resultOf = (evaluation: Evaluation) => ('value' in evaluation ? evaluation.value : evaluation.errorCode);

describe('flags evaluated by flagd-core', () => {
  it('serves off (DISABLED) for a new flag, on (STATIC) once on, and says not found for others', async () => {
    const loaded = await load([
      { definition: definition('new-ui') },
      { definition: definition('dark'), state: state({ enabled: true }) },
      { definition: definition('copy', 'string'), state: state({ enabled: true }) },
    ]);
    expect(evaluateFlag(loaded, 'new-ui', {})).toEqual({
      key: 'new-ui',
      value: false,
      variant: 'off',
      reason: 'DISABLED',
    });
    expect(evaluateFlag(loaded, 'dark', {})).toEqual({ key: 'dark', value: true, variant: 'on', reason: 'STATIC' });
    expect(evaluateFlag(loaded, 'copy', {})).toMatchObject({ value: 'on', reason: 'STATIC' });
    expect(evaluateFlag(loaded, 'nope', {})).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    expect(evaluateFlag(loaded, 'constructor', {})).toMatchObject({ errorCode: 'FLAG_NOT_FOUND' });
    expect(evaluateAll(loaded, {}).map((e) => e.key)).toEqual(['copy', 'dark', 'new-ui']);
  });

  it('targets listed keys (TARGETING_MATCH), splits the rest (SPLIT), and needs a targeting key for that', async () => {
    const loaded = await load([
      { definition: definition('beta'), state: state({ enabled: true, rollout: 0, targets: ['u-1', 'u-2'] }) },
      { definition: definition('half'), state: state({ enabled: true, rollout: 50, targets: ['u-1'] }) },
    ]);
    expect(evaluateFlag(loaded, 'beta', { targetingKey: 'u-2' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(loaded, 'beta', { targetingKey: 'u-3' })).toMatchObject({ value: false, reason: 'DEFAULT' });
    expect(evaluateFlag(loaded, 'half', { targetingKey: 'u-1' })).toMatchObject({
      value: true,
      reason: 'TARGETING_MATCH',
    });
    expect(evaluateFlag(loaded, 'half', { targetingKey: 'u-9' })).toMatchObject({ reason: 'SPLIT' });
    expect(evaluateFlag(loaded, 'half', {})).toMatchObject({ errorCode: 'TARGETING_KEY_MISSING' });
  });

  // CPU work only (400,000 evaluations), nothing waited on: a loaded machine just takes longer.
  it('buckets 100,000 keys within ±1% of the percentage, and never takes a key out of "on" as it rises', {
    timeout: 90_000,
  }, async () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);
    let previous = new Set<string>();
    for (const percent of [1, 10, 50, 99]) {
      const loaded = await load([
        { definition: definition('rollout'), state: state({ enabled: true, rollout: percent }) },
      ]);
      const on = new Set(
        keys.filter((targetingKey) => resultOf(evaluateFlag(loaded, 'rollout', { targetingKey })) === true),
      );
      expect(Math.abs((on.size / keys.length) * 100 - percent)).toBeLessThanOrEqual(1);
      for (const key of previous) expect(on.has(key)).toBe(true);
      previous = on;
    }
  });

  it('buckets each flag on its own: the same keys land differently for two flags', async () => {
    const loaded = await load([
      { definition: definition('a'), state: state({ enabled: true, rollout: 50 }) },
      { definition: definition('b'), state: state({ enabled: true, rollout: 50 }) },
    ]);
    const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
    const differ = keys.filter(
      (targetingKey) =>
        resultOf(evaluateFlag(loaded, 'a', { targetingKey })) !== resultOf(evaluateFlag(loaded, 'b', { targetingKey })),
    );
    expect(differ.length).toBeGreaterThan(300);
  });
});

describe('flag rules', () => {
  it('refuses hostile targeting keys and out-of-range rollouts', () => {
    const base = initialState(AT, 'U0ALICE');
    for (const id of ['<!channel>', 'a b', '*bold*', '<https://evil|x>', '-rf', 'x'.repeat(129), '']) {
      expect(() => applyOperation(base, { op: 'target', action: 'add', ids: [id] }, AT, 'U0ALICE')).toThrow(
        FlagRefused,
      );
    }
    expect(() => applyOperation(base, { op: 'rollout', percent: 101 }, AT, 'U0ALICE')).toThrow(FlagRefused);
    expect(applyOperation(base, { op: 'rollout', percent: 12.5 }, AT, 'U0ALICE')).toMatchObject({
      enabled: true,
      rollout: 12.5,
    });
  });

  it('steps a progressive rollout evenly and ends exactly at the target', () => {
    const steps = rolloutSteps(5, 100, 2 * 3_600_000);
    expect(steps).toHaveLength(8);
    expect(steps.at(-1)).toEqual({ atMs: 2 * 3_600_000, percent: 100 });
    expect(steps.map((s) => s.percent)).toEqual([...steps.map((s) => s.percent)].sort((a, b) => a - b));
    expect(rolloutSteps(10, 20, 60_000)).toEqual([{ atMs: 60_000, percent: 20 }]);
  });

  it('calls a flag stale when unchanged and settled for staleAfter', () => {
    const day = 86_400_000;
    const old = state({ enabled: true, rollout: 100, changedAt: AT });
    expect(isStale([old, undefined], AT, AT + 31 * day, 30 * day)).toBe(true);
    expect(isStale([state({ enabled: true, rollout: 40, changedAt: AT })], AT, AT + 31 * day, 30 * day)).toBe(false);
    expect(isStale([old], AT, AT + 10 * day, 30 * day)).toBe(false);
  });
});
