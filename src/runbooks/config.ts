/**
 * The `runbooks:` and `experiments:` sections of ops.yml, owned here. Names the acceptance checks rely on — `runbooks:`,
 * `description`, `approval`, `steps`, `run` — are a contract with users' files: add fields, never rename them.
 */
import { z } from 'zod';
import { ARGV_PLACEHOLDERS, argvSchema, CommandEnvSchema } from '../config/argv.js';
import { ApprovalSchema, defineConfig, emptyAsAbsent, KEY_PATTERN, NAME_PATTERN, name } from '../config/catalog.js';
import {
  approvalRoleProblems,
  type ConfigTree,
  checkRefProblems,
  entriesIn,
  isTree,
  itemsIn,
  keysIn,
  rawServices,
} from '../config/catalog-refs.js';
import { duration } from '../config/duration.js';
import type { PathProblem } from '../config/interpolate.js';
import { regexSource } from '../config/regex-source.js';
import type { FlagSwitch } from '../flags/api.js';
import { ExperimentSchema } from './experiments/schema.js';

export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/**
 * What a parameter's value must look like when the runbook gives neither `pattern` nor `choices`: one word of
 * letters, digits and `._:@/+-`, never starting with `-`. No shell syntax (`;`, `$(…)`, quotes, spaces) gets through.
 */
export const DEFAULT_PARAM_PATTERN = '[A-Za-z0-9][A-Za-z0-9._:@/+-]{0,127}';
/** Whatever a runbook's pattern allows, no value is longer than this. */
export const MAX_PARAM_LENGTH = 256;

const key = z.string().regex(KEY_PATTERN, {
  error: 'names must be lowercase letters, digits, "-" and "_", starting with a letter',
});

/** `{name}` placeholders of a step, and the built-in ones every runbook has. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const BUILT_IN = ['service', 'runbook', 'user'] as const;

export const ParameterSchema = z
  .strictObject({
    name: key,
    description: z.string().max(200).optional(),
    /** The value must match it as a whole (it is anchored). */
    pattern: regexSource().optional(),
    choices: z.array(z.string().min(1).max(MAX_PARAM_LENGTH)).min(1).max(100).optional(),
    /** Without a default the parameter is required: `/ops run` asks for it in a modal. */
    default: z.string().max(MAX_PARAM_LENGTH).optional(),
  })
  .refine((p) => !(p.pattern && p.choices), { error: 'a parameter has `pattern` or `choices`, not both' });

const OnFailureSchema = z.union([z.enum(['stop', 'continue']), z.array(key).min(1)], {
  error: 'must be "stop", "continue" or a list of recovery step names',
});

const HttpStepSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  /** `{service}`, `{runbook}` and parameters may appear; their values are URL-encoded. */
  url: z.string().regex(/^https?:\/\/[^\s]+$/, { error: 'must be an http:// or https:// URL' }),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()).default({}),
  /** A string is sent as is; anything else as JSON. */
  body: z.unknown().optional(),
  /** The status (or statuses) that count as success. */
  status: z.union([z.int(), z.array(z.int()).min(1)]).default([200, 201, 202, 204]),
});

const ApproveStepSchema = z.union([z.literal(true), ApprovalSchema]);

/** `to:` of a flag step: on, off (or true / false), or a rollout percentage such as `25%`. */
const FlagToSchema = z
  .union([z.boolean(), z.enum(['on', 'off']), z.string().regex(/^(100|[1-9]?\d)%$/), z.int().min(0).max(100)], {
    error: 'must be on, off or a percentage from 0% to 100%',
  })
  .transform((to): FlagSwitch => {
    if (to === true || to === 'on') return { op: 'on' };
    if (to === false || to === 'off') return { op: 'off' };
    return { op: 'rollout', percent: typeof to === 'number' ? to : Number(to.slice(0, -1)) };
  });

/**
 * A kill switch: turns a flag on or off, or sets its rollout, in one flag environment (the first when `in` is absent),
 * by the rules of `/ops flag`: the starter needs `flags.role`, and an environment under `flags.approval` gets an
 * approval gate of that policy before the step (unless the runbook's own approval is that policy already).
 */
const FlagStepSchema = z.strictObject({
  /** The flag's key, or a `{parameter}` that names one. */
  key: z.string().regex(/^([a-z][a-z0-9._-]{0,62}|\{[A-Za-z_][A-Za-z0-9_]*\})$/, {
    error: 'must be a flag key or a {parameter}',
  }),
  to: FlagToSchema,
  in: z.string().regex(KEY_PATTERN, { error: 'must be a flag environment' }).optional(),
});

/**
 * One step. Every kind is an optional key and exactly one must be there: a union of strict objects would report
 * every variant's errors for one typo.
 */
const RawStepSchema = z.strictObject({
  name: key,
  run: argvSchema([...ARGV_PLACEHOLDERS, '*']).optional(),
  env: CommandEnvSchema.optional(),
  timeout: duration().optional(),
  http: HttpStepSchema.optional(),
  check: z.string().optional(),
  wait: duration().optional(),
  approve: ApproveStepSchema.optional(),
  say: z.string().min(1).max(2000).optional(),
  flag: FlagStepSchema.optional(),
  onFailure: OnFailureSchema.default('stop'),
  /** Safe to run twice: a worker killed during it runs it again instead of asking a human. */
  retryable: z.boolean().default(false),
});

export const STEP_KINDS = ['run', 'http', 'check', 'wait', 'approve', 'say', 'flag'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

interface StepBase {
  name: string;
  onFailure: 'stop' | 'continue' | string[];
  retryable: boolean;
}
export type RunbookStep = StepBase &
  (
    | { kind: 'run'; run: string[]; env: Record<string, string>; timeout: number }
    | { kind: 'http'; http: z.output<typeof HttpStepSchema>; timeout: number }
    | { kind: 'check'; check: string }
    | { kind: 'wait'; wait: number }
    | { kind: 'approve'; approve: true | z.output<typeof ApprovalSchema> }
    | { kind: 'say'; say: string }
    | { kind: 'flag'; flag: z.output<typeof FlagStepSchema> }
  );

const StepSchema = RawStepSchema.transform((step, ctx): RunbookStep => {
  const kinds = STEP_KINDS.filter((kind) => step[kind] !== undefined);
  if (kinds.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message:
        kinds.length === 0
          ? `a step needs one of ${STEP_KINDS.map((k) => `"${k}"`).join(', ')}`
          : `a step has one kind, not ${kinds.map((k) => `"${k}"`).join(' and ')}`,
    });
    return z.NEVER;
  }
  const base = { name: step.name, onFailure: step.onFailure, retryable: step.retryable };
  const kind = kinds[0]!;
  const foreign = (['env', 'timeout'] as const).filter(
    (option) => step[option] !== undefined && !(kind === 'run' || (kind === 'http' && option === 'timeout')),
  );
  if (foreign.length > 0) {
    ctx.addIssue({ code: 'custom', path: [foreign[0]!], message: `does not apply to a "${kind}" step` });
    return z.NEVER;
  }
  if (kind === 'check' && !/^(\{service\}|[a-z][a-z0-9-]*)(\.[a-z][a-z0-9_-]*)?$/.test(step.check!)) {
    ctx.addIssue({
      code: 'custom',
      path: ['check'],
      message: 'must be "<service>", "<service>.<check>" or "{service}…"',
    });
    return z.NEVER;
  }
  switch (kind) {
    case 'run':
      return { ...base, kind, run: step.run!, env: step.env ?? {}, timeout: step.timeout ?? DEFAULT_STEP_TIMEOUT_MS };
    case 'http':
      return { ...base, kind, http: step.http!, timeout: step.timeout ?? DEFAULT_HTTP_TIMEOUT_MS };
    case 'check':
      return { ...base, kind, check: step.check! };
    case 'wait':
      return { ...base, kind, wait: step.wait!, retryable: true };
    case 'approve':
      return { ...base, kind, approve: step.approve! };
    case 'say':
      return { ...base, kind, say: step.say! };
    case 'flag':
      // Setting a flag to a state is safe to do twice (it sets, never toggles): a crash never leaves it to a human.
      return { ...base, kind, flag: step.flag!, retryable: true };
  }
});

export const RunbookSchema = z
  .strictObject({
    description: z.string().max(500).optional(),
    parameters: z.array(ParameterSchema).max(20).default([]),
    /** Who must approve before the first step runs (a gate of its own, first in the progress). */
    approval: ApprovalSchema.optional(),
    /** Roles that may start it; default `deployer`. */
    allow: z.array(key).min(1).default(['deployer']),
    /** More than one run at a time of this runbook for one service. */
    concurrent: z.boolean().default(false),
    /**
     * Starts by itself, once per firing, when an alert group naming it (label or annotation `runbook`) fires: its
     * parameters' defaults, the service the group's `service` label names, approval still applies.
     */
    auto: z.boolean().default(false),
    steps: z.array(StepSchema).min(1, { error: 'must have at least one step' }),
    /** Steps run only when a step's `onFailure` names them; the run is failed after them. */
    recovery: z.array(StepSchema).default([]),
  })
  .superRefine((runbook, ctx) => {
    // Nobody is there to fill in a parameter when an alert starts the run.
    if (runbook.auto) {
      for (const [index, p] of runbook.parameters.entries()) {
        if (p.default === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['parameters', index, 'default'],
            message: `\`auto: true\` needs a default for every parameter ("${p.name}" has none)`,
          });
      }
    }
    const params = new Set(runbook.parameters.map((p) => p.name));
    const names = new Set<string>();
    const recovery = new Set(runbook.recovery.map((s) => s.name));
    for (const [list, steps] of [
      ['steps', runbook.steps],
      ['recovery', runbook.recovery],
    ] as const) {
      steps.forEach((step, index) => {
        if (names.has(step.name))
          ctx.addIssue({ code: 'custom', path: [list, index, 'name'], message: `duplicate step name "${step.name}"` });
        names.add(step.name);
        for (const problem of placeholderProblems(step, params))
          ctx.addIssue({ code: 'custom', path: [list, index, ...problem.path], message: problem.message });
        if (Array.isArray(step.onFailure)) {
          for (const named of step.onFailure.filter((n) => !recovery.has(n)))
            ctx.addIssue({
              code: 'custom',
              path: [list, index, 'onFailure'],
              message: `"${named}" is not a step under recovery`,
            });
        }
        if (step.kind === 'approve' && step.approve === true && !runbook.approval)
          ctx.addIssue({
            code: 'custom',
            path: [list, index, 'approve'],
            message: '`approve: true` uses the runbook’s `approval:`, which it has not; give { from: <role> }',
          });
      });
    }
  });

/**
 * Placeholders a step may use: the built-ins anywhere in an argument, and parameters as whole argv elements only, so
 * a value is always exactly one argument and never part of a string a program might split or interpret.
 */
function placeholderProblems(
  step: RunbookStep,
  params: Set<string>,
): Array<{ path: Array<string | number>; message: string }> {
  const problems: Array<{ path: Array<string | number>; message: string }> = [];
  const known = (name: string) => (BUILT_IN as readonly string[]).includes(name) || params.has(name);
  const scan = (text: string, path: Array<string | number>, wholeOnly: boolean) => {
    for (const [match, name] of text.matchAll(PLACEHOLDER)) {
      if (!known(name!)) problems.push({ path, message: `unknown placeholder ${match} (not a parameter)` });
      else if (wholeOnly && params.has(name!) && text !== match)
        problems.push({ path, message: `a parameter fills a whole argument: write "${match}" as its own element` });
    }
  };
  if (step.kind === 'run') {
    for (const [i, arg] of step.run.entries()) scan(arg, ['run', i], true);
  }
  if (step.kind === 'http') scan(step.http.url, ['http', 'url'], false);
  if (step.kind === 'say') scan(step.say, ['say'], false);
  if (step.kind === 'check') scan(step.check, ['check'], false);
  if (step.kind === 'flag') scan(step.flag.key, ['flag', 'key'], true);
  return problems;
}

/**
 * An experiment in Chaos Toolkit's format: inline under `experiment:`, or in a JSON/YAML file named by `file:`
 * (relative to where Opsdeck runs), read when it is run. `service` names the service whose `guard` checks run during
 * the method: one failing aborts it.
 */
export const ExperimentEntrySchema = z
  .strictObject({
    file: z.string().min(1).optional(),
    experiment: ExperimentSchema.optional(),
    service: z.string().regex(NAME_PATTERN).optional(),
    guard: z.array(key).default([]),
    approval: ApprovalSchema.optional(),
    allow: z.array(key).min(1).default(['deployer']),
  })
  .refine((e) => (e.file === undefined) !== (e.experiment === undefined), {
    error: 'an experiment has either `file:` or `experiment:`',
  })
  .refine((e) => e.guard.length === 0 || e.service !== undefined, { error: '`guard` needs `service`' });

export const RunbooksSectionSchema = z.record(name('runbook'), RunbookSchema);
export const ExperimentsSectionSchema = z.record(name('experiment'), ExperimentEntrySchema);

/** A runbook step's or an experiment guard's reference to `<service>` or `<service>.<check>`, checked on the raw tree. */
function checkStepProblems(raw: ConfigTree, ref: unknown, path: Array<string | number>): PathProblem[] {
  if (typeof ref !== 'string' || ref.includes('{')) return [];
  const [service, check] = ref.split('.');
  if (check === undefined) {
    return keysIn(raw.services).has(service!)
      ? []
      : [{ path, message: `service "${service}" is not defined in services` }];
  }
  return checkRefProblems(raw, service!, check, path);
}

/** A flag step needs flags set up, and the environment it names among them. */
function flagStepProblems(raw: ConfigTree, flag: unknown, path: Array<string | number>): PathProblem[] {
  if (!isTree(flag)) return [];
  if (!isTree(raw.flags)) return [{ path, message: 'a flag step needs a `flags:` section' }];
  if (typeof flag.in !== 'string' || keysIn(raw.flags.environments).has(flag.in)) return [];
  return [{ path: [...path, 'in'], message: `environment "${flag.in}" is not defined in flags.environments` }];
}

/** Approval roles, the runbooks services name, the checks steps name, the flag environments flag steps name. */
function runbookRefs(raw: ConfigTree): PathProblem[] {
  const problems: PathProblem[] = [];
  const runbooks = keysIn(raw.runbooks);
  for (const [serviceName, service] of rawServices(raw)) {
    itemsIn(service.runbooks).forEach((runbook, index) => {
      if (typeof runbook === 'string' && !runbooks.has(runbook)) {
        problems.push({
          path: ['services', serviceName, 'runbooks', index],
          message: `runbook "${runbook}" is not defined in runbooks`,
        });
      }
    });
  }
  for (const [runbookName, runbook] of entriesIn(raw.runbooks)) {
    if (!isTree(runbook)) continue;
    const base = ['runbooks', runbookName];
    problems.push(...approvalRoleProblems(raw, runbook.approval, [...base, 'approval']));
    for (const list of ['steps', 'recovery'] as const) {
      itemsIn(runbook[list]).forEach((step, index) => {
        if (!isTree(step)) return;
        problems.push(...approvalRoleProblems(raw, step.approve, [...base, list, index, 'approve']));
        problems.push(...checkStepProblems(raw, step.check, [...base, list, index, 'check']));
        problems.push(...flagStepProblems(raw, step.flag, [...base, list, index, 'flag']));
      });
    }
  }
  return problems;
}

function experimentRefs(raw: ConfigTree): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const [experimentName, entry] of entriesIn(raw.experiments)) {
    if (!isTree(entry)) continue;
    const base = ['experiments', experimentName];
    problems.push(...approvalRoleProblems(raw, entry.approval, [...base, 'approval']));
    if (typeof entry.service !== 'string') continue;
    for (const [index, check] of itemsIn(entry.guard).entries()) {
      problems.push(...checkStepProblems(raw, `${entry.service}.${String(check)}`, [...base, 'guard', index]));
    }
  }
  return problems;
}

/** runbooks' part of ops.yml: the `runbooks:` section and `services.<name>.runbooks` (the runbooks that apply to it). */
export const runbooksConfig = defineConfig({
  name: 'runbooks',
  section: RunbooksSectionSchema.default({}),
  service: { runbooks: emptyAsAbsent(z.array(name('runbook')).default([])) },
  refs: runbookRefs,
});

/**
 * The `experiments:` section. A section is named after the capability that owns it, so experiments are a capability
 * of their own in this folder (`experiments/index.ts`) that holds only the section; runbooks run them.
 */
export const experimentsConfig = defineConfig({
  name: 'experiments',
  section: ExperimentsSectionSchema.default({}),
  refs: experimentRefs,
});

export type Runbook = z.output<typeof RunbookSchema>;
export type Parameter = z.output<typeof ParameterSchema>;
export type ExperimentEntry = z.output<typeof ExperimentEntrySchema>;
