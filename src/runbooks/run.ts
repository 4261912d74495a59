import type { FlagSwitch } from '../flags/api.js';
import type { Tolerance } from './experiments/schema.js';

/** What a step does, with every placeholder already filled in: the plan is fixed when the run starts. */
export type StepAction =
  | { kind: 'run'; argv: string[]; env: Record<string, string>; timeout: number }
  | {
      kind: 'http';
      method: string;
      url: string;
      headers: Record<string, string>;
      body?: string;
      status: number[];
      timeout: number;
    }
  /** `<service>` (all its checks) or `<service>.<check>`. */
  | { kind: 'check'; check: string }
  | { kind: 'wait'; ms: number }
  | { kind: 'approve'; from: string; count: number; expiresInMs: number }
  | { kind: 'say'; text: string }
  /** A kill switch: a flag changed in one environment, through flags' rules. */
  | { kind: 'flag'; key: string; environment: string; change: FlagSwitch }
  /** A Chaos Toolkit activity: its provider's value is kept, and checked against `tolerance` when it has one. */
  | { kind: 'activity'; provider: ActivityProvider; tolerance?: Tolerance; activity: 'probe' | 'action' };

export type ActivityProvider =
  | { type: 'process'; argv: string[]; timeout: number }
  | {
      type: 'http';
      method: string;
      url: string;
      headers: Record<string, string>;
      arguments?: Record<string, unknown>;
      timeout: number;
      verifyTls: boolean;
      expectedStatus?: number[];
    };

/**
 * Where a step sits: `main` steps run in order; `recovery` steps only when a failing step's `onFailure` names them;
 * `always` steps (an experiment's rollbacks) run however the rest ended, Cancel included.
 */
export type StepSection = 'main' | 'recovery' | 'always';

/** An experiment's phases, for its result: the hypothesis before and after the method, and the rollbacks. */
export type Phase = 'before' | 'method' | 'after' | 'rollback';

export interface PlannedStep {
  name: string;
  action: StepAction;
  onFailure: 'stop' | 'continue' | string[];
  retryable: boolean;
  section: StepSection;
  phase?: Phase;
  /** The experiment's guard checks run after this step; one failing fails it (and aborts the method). */
  guarded?: boolean;
  /** A gate the plan added for the step of this name (a flag change under `flags.approval`): it goes where that goes. */
  gateOf?: string;
}

export type StepStatus =
  /** A recovery step no failure asked for. */
  | 'unused'
  | 'pending'
  | 'running'
  /** An approval gate waiting for its clicks. */
  | 'waiting'
  | 'done'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  /** Cut off by a crash; the run waits for a human to Retry, Skip or Abort it. */
  | 'interrupted';

export interface StepState {
  status: StepStatus;
  /** 0 on the first try; Retry (or a retryable step cut off by a crash) runs it again under the next number. */
  attempt: number;
  startedAt?: number;
  finishedAt?: number;
  /** One line: `exit code 0`, `HTTP 503`, `approved by <@U…>`. */
  detail?: string;
  /** A Chaos Toolkit probe's value, as shown in the result. */
  value?: string;
  /** Who decided the step (approved, rejected, retried, skipped, aborted it): shown as a mention after `detail`. */
  by?: string;
}

export type RunStatus =
  | 'running'
  /** A gate is waiting for approval. */
  | 'waiting'
  /** A step was interrupted by a crash: Retry / Skip / Abort. */
  | 'needs-human'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'rejected';

export const FINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected'];
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status);

/** An experiment's verdict, Chaos Toolkit's words where it has them. */
export type ExperimentOutcome = 'completed' | 'deviated' | 'failed' | 'aborted' | 'cancelled';

export interface Run {
  id: string;
  kind: 'runbook' | 'experiment';
  /** The runbook's or experiment's name in ops.yml. */
  name: string;
  service?: string;
  params: Record<string, string>;
  requester: string;
  channel: string;
  /** Posted in this message's thread (an alert's) instead of as a message of its own in the channel. */
  threadKey?: string;
  /** Started by an alert (`auto: true`), not a person. */
  auto?: boolean;
  createdAt: number;
  status: RunStatus;
  steps: PlannedStep[];
  state: StepState[];
  /** `<service>.<check>` references the experiment's guard runs. */
  guard: string[];
  /** The role that decides an interrupted step (Retry / Skip / Abort): the approval role, else the first allowed. */
  humanRole: string;
  cancelledBy?: string;
  finishedAt?: number;
  /** The concurrency lock this run holds, released when it ends. */
  lock?: string;
  outcome?: ExperimentOutcome;
}
