/**
 * The flag model and its rules, pure: no Redis, no Slack, no clock. A flag is one definition (key, type, variants,
 * description, owner) plus one state per environment (on or off, the rollout percentage, the targeted ids). Each
 * environment's states compile to a flagd flag set, the only thing evaluators (flagd-core here, flagd sidecars
 * elsewhere) ever read.
 */
import { Refused } from '../errors.js';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `on` is served when the flag is on for the caller, `off` otherwise (and while the flag is off). */
export interface Variants {
  on: JsonValue;
  off: JsonValue;
}

export interface FlagDefinition {
  key: string;
  type: FlagType;
  description: string;
  /** Who created it: the owner `/ops flag stale` names. */
  owner: string;
  createdAt: number;
  variants: Variants;
  archivedAt?: number;
}

/** One environment's state of one flag. */
export interface EnvironmentState {
  enabled: boolean;
  /** Percentage of targeting keys that get `on` while enabled, 0–100 (thousandths kept). */
  rollout: number;
  /** Targeting keys that always get `on` while enabled. */
  targets: string[];
  changedAt: number;
  changedBy: string;
}

/** What a person (or a rollout step) asks to change in one environment. */
export type FlagOperation =
  | { op: 'on' }
  | { op: 'off' }
  | { op: 'rollout'; percent: number }
  | { op: 'target'; action: 'add' | 'remove'; ids: string[] };

/** A flag's key: what SDKs ask for. Lowercase, so two spellings never name two flags. */
export const FLAG_KEY = /^[a-z][a-z0-9._-]{0,62}$/;
/** Words that follow `/ops flag` as subcommands: a flag cannot be named after one. */
export const RESERVED_KEYS = new Set([
  'list',
  'create',
  'on',
  'off',
  'rollout',
  'target',
  'history',
  'archive',
  'stale',
  'export',
]);
/** A targeting key as `target` takes it: ids, not prose — no spaces, no `<`, `>`, `&`, `*`, `_`, `~` or backticks. */
export const TARGET_ID = /^[A-Za-z0-9][A-Za-z0-9.:@+=-]{0,127}$/;
export const MAX_TARGETS = 500;
export const MAX_DESCRIPTION = 300;

/** A rule said no: the message is for the person who asked, as is (the router shows and audits it). */
export class FlagRefused extends Refused {}

export function checkKey(key: string): string {
  if (!FLAG_KEY.test(key)) {
    throw new FlagRefused(
      'A flag key is lowercase letters, digits, `.`, `_` or `-`, starting with a letter (at most 63).',
    );
  }
  if (RESERVED_KEYS.has(key)) throw new FlagRefused(`\`${key}\` is a word of \`/ops flag\`; pick another key.`);
  return key;
}

/** The variants a new flag of a type starts with. */
export function defaultVariants(type: FlagType): Variants {
  switch (type) {
    case 'boolean':
      return { on: true, off: false };
    case 'string':
      return { on: 'on', off: 'off' };
    case 'number':
      return { on: 1, off: 0 };
    case 'json':
      return { on: { enabled: true }, off: { enabled: false } };
  }
}

/** A new flag is off everywhere, with a rollout of 100%: turning it on serves `on` to everyone. */
export function initialState(at: number, by: string): EnvironmentState {
  return { enabled: false, rollout: 100, targets: [], changedAt: at, changedBy: by };
}

export function checkDescription(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new FlagRefused('A flag needs a description: what it switches, for whom.');
  if (trimmed.length > MAX_DESCRIPTION) {
    throw new FlagRefused(`A description is at most ${MAX_DESCRIPTION} characters.`);
  }
  // Control characters would survive into Slack and exported files; nothing a person types needs them.
  if ([...trimmed].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f))
    throw new FlagRefused('A description is one line of text.');
  return trimmed;
}

/** Applies an operation: the new state, or FlagRefused saying why not. */
export function applyOperation(
  state: EnvironmentState,
  operation: FlagOperation,
  at: number,
  by: string,
): EnvironmentState {
  const next = { ...state, changedAt: at, changedBy: by };
  switch (operation.op) {
    case 'on':
      return { ...next, enabled: true };
    case 'off':
      return { ...next, enabled: false };
    case 'rollout': {
      const percent = operation.percent;
      if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
        throw new FlagRefused('A rollout is a percentage from 0% to 100%.');
      }
      // Rolling out implies serving: a rollout on a flag that is off would change nothing anyone sees.
      return { ...next, enabled: true, rollout: Math.round(percent * 1000) / 1000 };
    }
    case 'target': {
      const bad = operation.ids.find((id) => !TARGET_ID.test(id));
      if (bad !== undefined) {
        throw new FlagRefused(
          'A targeting key is letters, digits and `.:@+=-`, up to 128 characters, starting with a letter or digit.',
        );
      }
      const targets =
        operation.action === 'add'
          ? [...new Set([...state.targets, ...operation.ids])]
          : state.targets.filter((id) => !operation.ids.includes(id));
      if (targets.length > MAX_TARGETS) throw new FlagRefused(`At most ${MAX_TARGETS} targeting keys per environment.`);
      return { ...next, targets };
    }
  }
}

/** An operation in words: asked (`turn on`, `roll out to 25%`) or done (`turned on`, `rolled out to 25%`). */
export function describeOperation(operation: FlagOperation, tense: 'asked' | 'done'): string {
  const done = tense === 'done';
  switch (operation.op) {
    case 'on':
    case 'off':
      return `turn${done ? 'ed' : ''} ${operation.op}`;
    case 'rollout':
      return `${done ? 'rolled' : 'roll'} out to ${operation.percent}%`;
    case 'target': {
      const keys = `${operation.ids.length} targeting key${operation.ids.length === 1 ? '' : 's'}`;
      return `${operation.action}${done ? (operation.action === 'add' ? 'ed' : 'd') : ''} ${keys}`;
    }
  }
}

/** `on · 25%`, `off`, `on · 100% · 3 targets`. */
export function summarize(state: EnvironmentState | undefined): string {
  if (!state) return 'off';
  const targets =
    state.targets.length > 0 ? ` · ${state.targets.length} target${state.targets.length === 1 ? '' : 's'}` : '';
  return state.enabled ? `on · ${state.rollout}%${targets}` : `off${targets}`;
}

// ---------------------------------------------------------------------------------------------------------------------
// flagd

/** One flag as flagd's flag-definition schema has it. */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, JsonValue>;
  defaultVariant: string;
  targeting?: Record<string, unknown>;
  metadata: Record<string, string | number | boolean>;
}

export interface FlagdFlagSet {
  $schema: string;
  flags: Record<string, FlagdFlag>;
  metadata: Record<string, string | number | boolean>;
}

export const FLAGD_SCHEMA = 'https://flagd.dev/schema/v0/flags.json';

/** Fractional weights in thousandths of a percent: `12.5%` is `[on, 12500], [off, 87500]`. */
const WEIGHT_SCALE = 1000;

/**
 * The flagd definition of one flag in one environment. A partial rollout is flagd's `fractional` on the targeting
 * key (sticky: murmur3 of flag key + targeting key, so raising the percentage only ever adds keys); targeted ids are an
 * `in` before it. Off is `DISABLED`, which flagd evaluates to the default variant, `off`.
 */
export function toFlagd(definition: FlagDefinition, state: EnvironmentState): FlagdFlag {
  const everyone = state.rollout >= 100;
  const split = state.rollout > 0 && !everyone;
  const onWeight = Math.round(state.rollout * WEIGHT_SCALE);
  const fractional = split
    ? {
        fractional: [
          ['on', onWeight],
          ['off', 100 * WEIGHT_SCALE - onWeight],
        ],
      }
    : null;
  let targeting: Record<string, unknown> | undefined;
  if (!everyone && state.targets.length > 0) {
    targeting = { if: [{ in: [{ var: 'targetingKey' }, state.targets] }, 'on', fractional] };
  } else if (fractional) {
    targeting = fractional;
  }
  return {
    state: state.enabled ? 'ENABLED' : 'DISABLED',
    variants: { on: definition.variants.on, off: definition.variants.off },
    defaultVariant: everyone ? 'on' : 'off',
    ...(targeting && { targeting }),
    metadata: { type: definition.type, description: definition.description, rollout: state.rollout },
  };
}

/** An environment's whole flag set at a revision: archived flags are left out. */
export function toFlagdSet(
  environment: string,
  revision: number,
  flags: ReadonlyArray<{ definition: FlagDefinition; state: EnvironmentState | undefined }>,
): FlagdFlagSet {
  const entries = flags
    .filter(({ definition }) => definition.archivedAt === undefined)
    .sort((a, b) => a.definition.key.localeCompare(b.definition.key))
    .map(({ definition, state }) => [
      definition.key,
      toFlagd(definition, state ?? initialState(definition.createdAt, definition.owner)),
    ]);
  return {
    $schema: FLAGD_SCHEMA,
    flags: Object.fromEntries(entries),
    metadata: { flagSetId: environment, version: String(revision) },
  };
}

/** Does the flag's targeting put this caller in a percentage bucket (reason SPLIT) rather than a rule? */
export function isSplit(flag: FlagdFlag, targetingKey: unknown): boolean {
  if (!flag.targeting) return false;
  if ('fractional' in flag.targeting) return true;
  const rule = flag.targeting.if as [unknown, string, unknown] | undefined;
  if (!rule || rule[2] === null) return false;
  const targets = ((rule[0] as { in: [unknown, string[]] }).in[1] ?? []) as string[];
  return !targets.includes(String(targetingKey));
}

// ---------------------------------------------------------------------------------------------------------------------
// Stale flags, progressive rollouts

/**
 * A flag nobody needs to touch again: unchanged for `staleAfter` everywhere, and settled — off everywhere, or every
 * environment at 0% or 100%. A candidate for removal from the code.
 */
export function isStale(
  states: ReadonlyArray<EnvironmentState | undefined>,
  created: number,
  now: number,
  staleAfterMs: number,
): boolean {
  const lastChange = Math.max(created, ...states.map((state) => state?.changedAt ?? 0));
  if (now - lastChange < staleAfterMs) return false;
  const offEverywhere = states.every((state) => !state?.enabled);
  const settled = states.every((state) => !state?.enabled || state.rollout === 0 || state.rollout === 100);
  return offEverywhere || settled;
}

/** Roughly one step per this long: often enough to notice trouble early, rarely enough to be readable in a channel. */
const TARGET_STEP_MS = 15 * 60_000;
export const MAX_STEPS = 20;

/**
 * The percentages a progressive rollout passes through, from `from` to `to` over `overMs`, and when: evenly spaced,
 * at most MAX_STEPS, each step's percentage rounded to a whole percent (the last is exactly `to`).
 */
export function rolloutSteps(from: number, to: number, overMs: number): Array<{ atMs: number; percent: number }> {
  if (to <= from) throw new FlagRefused('A progressive rollout goes up: `5% to 100%`.');
  const count = Math.max(1, Math.min(MAX_STEPS, Math.round(overMs / TARGET_STEP_MS)));
  const steps: Array<{ atMs: number; percent: number }> = [];
  for (let i = 1; i <= count; i++) {
    const percent = i === count ? to : Math.round(from + ((to - from) * i) / count);
    if (steps.length > 0 && steps.at(-1)!.percent === percent) continue;
    steps.push({ atMs: Math.round((overMs * i) / count), percent });
  }
  return steps;
}

export type RolloutStatus = 'running' | 'paused' | 'halted' | 'done' | 'aborted';

/** A progressive rollout: its plan, where it is, and the last percentage its guard saw healthy. */
export interface Rollout {
  id: string;
  key: string;
  environment: string;
  steps: Array<{ atMs: number; percent: number }>;
  /** Index of the next step to apply. */
  next: number;
  current: number;
  lastHealthy: number;
  guard?: string;
  status: RolloutStatus;
  startedAt: number;
  /** Time spent paused, which pushes every later step back. */
  pausedMs: number;
  pausedAt?: number;
  /** Bumped on each resume: the job id of the run that follows. */
  run: number;
  by: string;
  channel: string;
  reason?: string;
}
