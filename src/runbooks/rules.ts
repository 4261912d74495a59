/**
 * The runbook engine's rules, pure: how a runbook becomes a fixed plan, what a step's end means for the rest of the
 * run, which step is next and how the run ends. Jobs and buttons call these; none of them touches Redis or Slack.
 */
import type { ApprovalPolicy } from '../approvals/approvals.js';
import type { Runbook, RunbookStep } from './config.js';
import type { ExperimentOutcome, PlannedStep, Run, RunStatus, StepState } from './run.js';

/** A plan could not be made (a placeholder without a value); the message says which. */
export class PlanError extends Error {}

export interface PlanContext {
  runbook: string;
  service?: string;
  user: string;
  params: Record<string, string>;
  /** Flags' environment of that name (the first when none) and its approval policy (flags' `flagEnvironment`). */
  flagEnvironment?: (name: string | undefined) => FlagEnvironment;
}

type FlagEnvironment = { environment: string; approval?: ApprovalPolicy } | { problem: string };

const FLAG_KEY = /^[a-z][a-z0-9._-]{0,62}$/;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

function placeholderValue(name: string, ctx: PlanContext): string {
  const value =
    name === 'service' ? ctx.service : name === 'runbook' ? ctx.runbook : name === 'user' ? ctx.user : ctx.params[name];
  if (value === undefined) {
    throw new PlanError(
      name === 'service'
        ? 'this runbook needs a service: name one (`/ops run <runbook> <service>`)'
        : `no value for {${name}}`,
    );
  }
  return value;
}

/** Fills placeholders in text (`encode` for URLs: each value is URL-encoded). */
export function fill(text: string, ctx: PlanContext, encode = false): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = placeholderValue(name, ctx);
    return encode ? encodeURIComponent(value) : value;
  });
}

/** Fills an argv: a parameter is a whole element (the config insists), so a value is always exactly one argument. */
export function fillArgv(argv: readonly string[], ctx: PlanContext): string[] {
  return argv.map((arg, index) => {
    const filled = fill(arg, ctx);
    if (index > 0 && filled !== arg && filled.startsWith('-')) throw new PlanError('a value may not start with "-"');
    return filled;
  });
}

function planStep(step: RunbookStep, runbook: Runbook, ctx: PlanContext, section: PlannedStep['section']): PlannedStep {
  const base = { name: step.name, onFailure: step.onFailure, retryable: step.retryable, section };
  switch (step.kind) {
    case 'run':
      return { ...base, action: { kind: 'run', argv: fillArgv(step.run, ctx), env: step.env, timeout: step.timeout } };
    case 'http': {
      const { body } = step.http;
      return {
        ...base,
        action: {
          kind: 'http',
          method: step.http.method,
          url: fill(step.http.url, ctx, true),
          headers: step.http.headers,
          ...(body !== undefined && { body: typeof body === 'string' ? fill(body, ctx) : JSON.stringify(body) }),
          status: Array.isArray(step.http.status) ? step.http.status : [step.http.status],
          timeout: step.timeout,
        },
      };
    }
    case 'check':
      return { ...base, action: { kind: 'check', check: fill(step.check, ctx) } };
    case 'wait':
      return { ...base, action: { kind: 'wait', ms: step.wait } };
    case 'approve': {
      const policy = step.approve === true ? runbook.approval! : step.approve;
      return {
        ...base,
        action: { kind: 'approve', from: policy.from, count: policy.count, expiresInMs: policy.expiresIn },
      };
    }
    case 'say':
      return { ...base, action: { kind: 'say', text: fill(step.say, ctx) } };
    case 'flag': {
      const { environment } = flagEnvironmentOf(step, ctx);
      const key = fill(step.flag.key, ctx);
      if (!FLAG_KEY.test(key)) throw new PlanError(`step ${step.name}: "${key}" is not a flag key`);
      return { ...base, action: { kind: 'flag', key, environment, change: step.flag.to } };
    }
  }
}

function flagEnvironmentOf(
  step: Extract<RunbookStep, { kind: 'flag' }>,
  ctx: PlanContext,
): { environment: string; approval?: ApprovalPolicy } {
  const found = ctx.flagEnvironment?.(step.flag.in) ?? { problem: 'flags are not set up' };
  if ('problem' in found) throw new PlanError(`step ${step.name}: ${found.problem}`);
  return found;
}

/**
 * The gate a flag step needs first: its environment's `flags.approval`, as `/ops flag` asks for it, unless the
 * runbook's own approval (its first gate) is that same policy already. A rejection skips the flag step (and runs the
 * recovery steps the flag step names).
 */
function flagGate(
  step: RunbookStep,
  runbook: Runbook,
  ctx: PlanContext,
  section: PlannedStep['section'],
): PlannedStep | undefined {
  if (step.kind !== 'flag') return undefined;
  const policy = flagEnvironmentOf(step, ctx).approval;
  if (!policy) return undefined;
  const own = runbook.approval;
  if (own && own.from === policy.from && own.count >= policy.count) return undefined;
  return {
    name: `${step.name} approval`,
    action: { kind: 'approve', from: policy.from, count: policy.count, expiresInMs: policy.expiresInMs },
    onFailure: Array.isArray(step.onFailure) ? step.onFailure : 'stop',
    retryable: false,
    section,
    gateOf: step.name,
  };
}

function planSteps(
  steps: readonly RunbookStep[],
  runbook: Runbook,
  ctx: PlanContext,
  section: PlannedStep['section'],
): PlannedStep[] {
  return steps.flatMap((step) => {
    const gate = flagGate(step, runbook, ctx, section);
    const planned = planStep(step, runbook, ctx, section);
    return gate ? [gate, planned] : [planned];
  });
}

/**
 * The runbook as it will run: the approval (a gate of its own, first), its steps, then its recovery steps (unused
 * until a failure names them), every placeholder filled.
 * @throws PlanError when a placeholder has no value
 */
export function planRunbook(runbook: Runbook, ctx: PlanContext): PlannedStep[] {
  const gate: PlannedStep[] = runbook.approval
    ? [
        {
          name: 'approval',
          action: {
            kind: 'approve',
            from: runbook.approval.from,
            count: runbook.approval.count,
            expiresInMs: runbook.approval.expiresIn,
          },
          onFailure: 'stop',
          retryable: false,
          section: 'main',
        },
      ]
    : [];
  return [
    ...gate,
    ...planSteps(runbook.steps, runbook, ctx, 'main'),
    ...planSteps(runbook.recovery, runbook, ctx, 'recovery'),
  ];
}

/** The first state of each planned step. */
export function initialState(steps: readonly PlannedStep[]): StepState[] {
  return steps.map((step) => ({ status: step.section === 'recovery' ? 'unused' : 'pending', attempt: 0 }));
}

/** The step to run next: the first pending one in plan order (main, then recovery, then always). */
export function nextIndex(run: Run): number | undefined {
  const index = run.state.findIndex((state) => state.status === 'pending');
  return index === -1 ? undefined : index;
}

export interface StepResult {
  ok: boolean;
  detail: string;
  value?: string;
  /** Who decided it (a gate's approver): a Slack user id from a signed payload. */
  by?: string;
  /** Stopped by Cancel (or an Abort click): the rest is skipped, `always` steps still run. */
  cancelled?: boolean;
}

/** Skips every pending step that is not `always`. */
function skipRest(state: StepState[], steps: readonly PlannedStep[]): StepState[] {
  return state.map((s, i) =>
    s.status === 'pending' && steps[i]!.section !== 'always' ? { ...s, status: 'skipped' } : s,
  );
}

/**
 * Records how step `index` ended and what that means for the rest: a failure with `onFailure: stop` skips what is left
 * (but `always` steps); one naming recovery steps makes those pending instead; `continue` carries on; Cancel stops.
 */
export function settle(run: Run, index: number, result: StepResult, now: number): Run {
  const step = run.steps[index]!;
  let state = run.state.map((s, i) =>
    i === index
      ? {
          ...s,
          status: result.cancelled ? ('cancelled' as const) : result.ok ? ('done' as const) : ('failed' as const),
          finishedAt: now,
          detail: result.detail,
          ...(result.value !== undefined && { value: result.value }),
          ...(result.by !== undefined && { by: result.by }),
        }
      : s,
  );
  if (result.cancelled || run.cancelledBy) state = skipRest(state, run.steps);
  else if (!result.ok && step.onFailure === 'stop') state = skipRest(state, run.steps);
  else if (!result.ok && Array.isArray(step.onFailure)) {
    const recovery = new Set(step.onFailure);
    const called = (step: PlannedStep) => recovery.has(step.gateOf ?? step.name);
    state = skipRest(state, run.steps).map((s, i) =>
      s.status === 'unused' && called(run.steps[i]!) ? { ...s, status: 'pending' } : s,
    );
  }
  return { ...run, state };
}

/** Cancel while no step runs (waiting for approval or for a human): the rest is skipped, `always` steps still run. */
export function cancelWaiting(run: Run, by: string, now: number): Run {
  const state = run.state.map((s) =>
    s.status === 'waiting' || s.status === 'interrupted'
      ? { ...s, status: 'cancelled' as const, finishedAt: now, detail: 'cancelled by', by }
      : s,
  );
  return { ...run, cancelledBy: by, state: skipRest(state, run.steps) };
}

/** How a run with nothing left to do ended. */
export function finalStatus(run: Run): RunStatus {
  if (run.cancelledBy) return 'cancelled';
  if (run.kind === 'experiment') return experimentOutcome(run) === 'completed' ? 'succeeded' : 'failed';
  const failed = run.state.some((s, i) => s.status === 'failed' && run.steps[i]!.onFailure !== 'continue');
  const rejected = run.state.some((s, i) => s.status === 'failed' && run.steps[i]!.action.kind === 'approve');
  if (rejected) return 'rejected';
  return failed ? 'failed' : 'succeeded';
}

/**
 * Chaos Toolkit's verdict: `failed` when the hypothesis did not hold before the method (which then did not run),
 * `aborted` when the method failed (a guard check, an activity that could not run), `deviated` when the hypothesis
 * did not hold after it, `completed` when it held throughout.
 */
export function experimentOutcome(run: Run): ExperimentOutcome {
  if (run.cancelledBy) return 'cancelled';
  const failedIn = (phase: string) => run.state.some((s, i) => s.status === 'failed' && run.steps[i]!.phase === phase);
  if (failedIn('before')) return 'failed';
  if (failedIn('method')) return 'aborted';
  if (failedIn('after')) return 'deviated';
  return 'completed';
}

/** Whether `words` (lowercased) all appear in the runbook's name, description or step names. */
export function matchesSearch(name: string, runbook: Runbook, words: readonly string[]): boolean {
  const haystack = [name, runbook.description ?? '', ...runbook.steps.map((s) => s.name)].join(' ').toLowerCase();
  return words.every((word) => haystack.includes(word.toLowerCase()));
}

/**
 * The service a run is for: the one given, else the only service that lists the runbook; undefined when none can be
 * told (the plan then refuses if a step needs `{service}`).
 */
export function chooseService(
  runbook: string,
  services: Record<string, { runbooks: readonly string[] }>,
  given: string | undefined,
): { service?: string; problem?: string } {
  if (given !== undefined) {
    if (!services[given]) return { problem: `there is no service \`${given}\` in ops.yml` };
    return { service: given };
  }
  const listing = Object.keys(services).filter((name) => services[name]!.runbooks.includes(runbook));
  return listing.length === 1 ? { service: listing[0] } : {};
}

/** The concurrency lock's name: one run at a time per runbook and service, unless the runbook is `concurrent`. */
export function lockName(run: Pick<Run, 'kind' | 'name' | 'service'>): string {
  return `${run.kind}:${run.name}:${run.service ?? '-'}`;
}
