import type { ApprovalRequest } from '../approvals/approvals.js';
import { Refused } from '../errors.js';
import { lazy } from '../platform/lazy.js';
import { expectPrograms } from '../platform/process-runner.js';
import type { Services } from '../platform/services.js';
import { stepQueue } from './jobs/step-queue.js';
import { APPROVAL_GATE, progressMessage } from './messages.js';
import { type RunbookMetrics, runbookMetrics } from './metrics.js';
import {
  cancelWaiting,
  experimentOutcome,
  finalStatus,
  initialState,
  lockName,
  nextIndex,
  type StepResult,
  settle,
} from './rules.js';
import { isFinal, type PlannedStep, type Run } from './run.js';
import { RunStore } from './store.js';

export type DeskServices = Pick<
  Services,
  | 'redis'
  | 'key'
  | 'keysOf'
  | 'catalog'
  | 'outbox'
  | 'jobs'
  | 'approvals'
  | 'audit'
  | 'permissions'
  | 'metrics'
  | 'logger'
  | 'now'
>;

/** A runbook rule said no; the router shows the message and audits the refusal. */
export class RunRefused extends Refused {}

/** How long a run's progress message is held back after the run starts (see `announce`). */
const FIRST_DRAW_MS = 1000;

/** A step that starts a program: `run`, or an experiment's activity with the process provider. */
const startsProgram = ({ action }: PlannedStep) =>
  action.kind === 'run' || (action.kind === 'activity' && action.provider.type === 'process');

/** The progress message's outbox key; output replies go in its thread. */
export const messageKey = (id: string) => `runbook-${id}`;

/**
 * When a run's progress message is posted at the earliest (see `announce`): replies in its thread are held as long,
 * since they cannot go before it.
 */
export const firstDrawAt = (run: Pick<Run, 'createdAt'>) => run.createdAt + FIRST_DRAW_MS;

/** What starting a run takes: the run's own fields as the caller knows them, before the engine adds its state. */
export type StartInput = Pick<
  Run,
  'kind' | 'name' | 'service' | 'params' | 'requester' | 'channel' | 'threadKey' | 'auto' | 'steps' | 'humanRole'
> & { guard?: Run['guard']; concurrent: boolean };

/**
 * The engine: starts runs, moves them from step to step, opens and decides gates, cancels, and ends them. Commands,
 * buttons, the step job and alerts all go through it, so a run started any way follows the same rules.
 */
export class RunDesk {
  readonly store: RunStore;
  private readonly lazyMetrics = lazy(() => runbookMetrics(this.services.metrics));

  constructor(readonly services: DeskServices) {
    this.store = new RunStore(services.redis, services.key);
  }

  get metrics(): RunbookMetrics {
    return this.lazyMetrics();
  }

  private now(): number {
    return this.services.now().getTime();
  }

  /**
   * Records a run, takes its concurrency lock, posts its progress message and enqueues its first step. Only in a
   * worker: the start job (for every surface a person starts a run from) and an alert's firing (`auto: true`).
   * @throws RunRefused when another run of it for the same service is not over
   */
  async start(input: StartInput, options: { claim?: { id: string; fresh: boolean } } = {}): Promise<Run> {
    const { claim } = options;
    const id = claim?.id ?? (await this.store.nextId());
    // A run id claimed beforehand (a command's request, an alert's firing) may be started already: a rerun only
    // finishes starting it. One claimed just now, for the first time, is no run's yet.
    const existing = claim && !claim.fresh ? await this.store.get(id) : undefined;
    if (existing) {
      await this.announce(existing);
      // Handing out its first step is what may be left of starting it. Once a step has started, the run moves on by
      // itself: handing out the first pending step would start the one after a running step, early.
      if (existing.state.every((state) => state.status === 'pending')) await this.advance(existing);
      return existing;
    }
    const lock = input.concurrent ? undefined : lockName(input);
    if (lock) await this.acquire(lock, id);
    // The program starter boots while the run is recorded and posted, not when its first program is due.
    if (input.steps.some(startsProgram)) expectPrograms();
    const run: Run = {
      id,
      kind: input.kind,
      name: input.name,
      ...(input.service !== undefined && { service: input.service }),
      params: input.params,
      requester: input.requester,
      channel: input.channel,
      ...(input.threadKey !== undefined && { threadKey: input.threadKey }),
      ...(input.auto && { auto: true }),
      createdAt: this.now(),
      status: 'running',
      steps: input.steps,
      state: initialState(input.steps),
      guard: input.guard ?? [],
      humanRole: input.humanRole,
      ...(lock && { lock }),
    };
    try {
      await this.store.create(run);
      await this.announce(run);
      await this.advance(run);
    } catch (error) {
      if (lock) await this.store.release(lock, id);
      throw error;
    }
    return run;
  }

  /**
   * Posts the run's progress message (once per run: the outbox keeps one post per key), held back until a second
   * after the run was created: what the run shows then goes out with the post, so a run over within that second is
   * one post and no edit (Slack lets all messages' edits share 50 a minute), and a longer one is drawn as it stands
   * then — the step job redraws at most once a second anyway.
   */
  private async announce(run: Run): Promise<void> {
    await this.services.outbox.post({
      key: messageKey(run.id),
      channel: run.channel,
      message: progressMessage(run),
      notBefore: firstDrawAt(run),
      ...(run.threadKey !== undefined && { threadKey: run.threadKey }),
    });
  }

  private async acquire(lock: string, id: string): Promise<void> {
    for (let tries = 0; tries < 3; tries++) {
      if (await this.store.acquire(lock, id)) return;
      const holderId = await this.store.holder(lock);
      if (holderId === undefined) continue;
      const holder = await this.store.get(holderId);
      if (!holder || isFinal(holder.status)) {
        await this.store.release(lock, holderId);
        continue;
      }
      throw new RunRefused(
        `${holder.name}${holder.service ? ` on ${holder.service}` : ''} is already running: #${holder.id}, ${holder.status}. One run at a time (the runbook may say \`concurrent: true\`).`,
      );
    }
    throw new RunRefused('That runbook is busy: try again in a moment.');
  }

  /** Enqueues the next step, or ends the run when nothing is left. Idempotent: the job id is the step's attempt. */
  async advance(run: Run, options: { withinAck?: boolean } = {}): Promise<void> {
    const index = nextIndex(run);
    if (index === undefined) {
      await this.finish(run.id);
      return;
    }
    await this.services.jobs.enqueue(stepQueue, { runId: run.id, index, attempt: run.state[index]!.attempt }, options);
  }

  /** Puts a run with nothing left in its final state (once), releases its lock, counts it, redraws it. */
  async finish(id: string): Promise<Run | undefined> {
    let ended = false;
    const run = await this.store.change(id, (r) => {
      const closed = this.closed(r);
      ended = closed !== r;
      return closed;
    });
    if (run && ended) await this.finished(run);
    return run;
  }

  /**
   * The run in its final state when nothing is left to do and it is not over yet; else the run itself. Pure, so a step
   * job can end a run in the same write that records its last step (then calls `finished`).
   */
  closed(r: Run): Run {
    if (isFinal(r.status) || nextIndex(r) !== undefined) return r;
    return {
      ...r,
      status: finalStatus(r),
      finishedAt: this.now(),
      ...(r.kind === 'experiment' && { outcome: experimentOutcome(r) }),
    };
  }

  /** What follows a run's end, once, by whoever wrote it: its lock released, the outcome counted, the final redraw. */
  async finished(run: Run): Promise<void> {
    if (run.kind === 'experiment') this.metrics.experiments.inc({ experiment: run.name, outcome: run.outcome! });
    else this.metrics.runs.inc({ runbook: run.name, outcome: run.status });
    // Side by side (neither needs the other), so the step job holding a worker slot waits one round trip, not two. The
    // redraw as written: nothing changes a run once it is over.
    await Promise.all([run.lock && this.store.release(run.lock, run.id), this.refresh(run.id, run)]);
  }

  /**
   * Redraws the progress message. From what is stored now, unless the caller passes the run it has just written (one
   * read fewer for a step job, which redraws at every step; a change someone makes meanwhile redraws by itself).
   */
  async refresh(id: string, written?: Run): Promise<void> {
    const run = written ?? (await this.store.get(id));
    if (!run) return;
    const index = run.state.findIndex((s) => s.status === 'waiting');
    const request = index === -1 ? undefined : await this.services.approvals.get(gateId(run.id, index));
    await this.services.outbox.update({
      key: messageKey(id),
      message: progressMessage(run, request && { index, request }),
    });
  }

  /** Opens an approval gate: the step waits, the message shows Approve / Reject. */
  async openGate(run: Run, index: number): Promise<void> {
    const step = run.steps[index]!;
    if (step.action.kind !== 'approve') return;
    const { from, count, expiresInMs } = step.action;
    const id = gateId(run.id, index);
    if (!(await this.services.approvals.get(id))) {
      await this.services.approvals.open(APPROVAL_GATE, {
        id,
        requester: run.requester,
        policy: { from, count, expiresInMs },
      });
    }
    await this.store.change(run.id, (r) =>
      r.state[index]!.status !== 'pending'
        ? r
        : {
            ...r,
            status: 'waiting',
            state: r.state.map((s, i) => (i === index ? { ...s, status: 'waiting', startedAt: this.now() } : s)),
          },
    );
    await this.refresh(run.id);
  }

  /**
   * A gate was decided (the platform checked the role at click time, audited the click and let exactly one win): the
   * step ends approved or failed, and the run moves on.
   */
  async gateDecided(
    request: ApprovalRequest,
    outcome: 'approved' | 'rejected' | 'expired',
    by?: string,
  ): Promise<void> {
    const gate = parseGateId(request.id);
    if (!gate) return;
    const detail =
      outcome === 'approved' ? 'approved by' : outcome === 'rejected' ? 'rejected by' : 'nobody approved in time';
    await this.endGate(gate.runId, gate.index, { ok: outcome === 'approved', detail, ...(by && { by }) });
  }

  private async endGate(runId: string, index: number, result: StepResult): Promise<void> {
    const run = await this.store.change(runId, (r) =>
      r.state[index]!.status !== 'waiting' ? r : { ...settle(r, index, result, this.now()), status: 'running' },
    );
    if (run) await this.advance(run);
    await this.refresh(runId);
  }

  /**
   * Cancel: a running step sees it within half a second and stops (its process group killed); a run waiting for a
   * gate or a human is stopped here. Either way the rest is skipped and `always` steps (rollbacks) still run.
   */
  async cancel(runId: string, userId: string): Promise<string | undefined> {
    const before = await this.store.get(runId);
    if (!before || isFinal(before.status)) return 'That run is over.';
    const run = await this.store.change(runId, (r) => {
      if (isFinal(r.status) || r.cancelledBy) return r;
      if (r.status === 'waiting' || r.status === 'needs-human')
        return { ...cancelWaiting(r, userId, this.now()), status: 'running' };
      return { ...r, cancelledBy: userId };
    });
    if (run && (before.status === 'waiting' || before.status === 'needs-human')) await this.advance(run);
    await this.refresh(runId);
    return undefined;
  }

  /** A human's choice for an interrupted step: run it again, skip it, or abort the run. */
  async resolve(input: {
    runId: string;
    index: number;
    userId: string;
    choice: 'retry' | 'skip' | 'abort';
  }): Promise<string | undefined> {
    const run = await this.store.get(input.runId);
    if (!run) return 'This run is no longer kept.';
    await this.services.permissions.require({
      userId: input.userId,
      role: run.humanRole,
      action: `runbooks.${input.choice}`,
      target: `${run.name}#${run.id}`,
    });
    let changed = false;
    const next = await this.store.change(input.runId, (r) => {
      changed = false;
      if (r.status !== 'needs-human' || r.state[input.index]?.status !== 'interrupted') return r;
      changed = true;
      const by = input.userId;
      if (input.choice === 'retry') {
        return {
          ...r,
          status: 'running',
          state: r.state.map((s, i) =>
            i === input.index
              ? { status: 'pending', attempt: s.attempt + 1, detail: 'interrupted; retried by', by }
              : s,
          ),
        };
      }
      if (input.choice === 'skip') {
        return {
          ...r,
          status: 'running',
          state: r.state.map((s, i) =>
            i === input.index
              ? { ...s, status: 'skipped', finishedAt: this.now(), detail: 'interrupted; skipped by', by }
              : s,
          ),
        };
      }
      const aborted = settle(r, input.index, { ok: false, detail: 'interrupted; aborted by', by }, this.now());
      return {
        ...aborted,
        status: 'running',
        state: aborted.state.map((s, i) =>
          i === input.index
            ? s
            : s.status === 'pending' && r.steps[i]!.section !== 'always'
              ? { ...s, status: 'skipped' }
              : s,
        ),
      };
    });
    if (!changed || !next) return 'That step is not waiting for a decision.';
    await this.services.audit.append({
      actor: input.userId,
      action: `runbooks.${input.choice}`,
      target: `${run.name}#${run.id}/${run.steps[input.index]?.name ?? input.index}`,
      outcome: 'ok',
      at: this.services.now(),
    });
    await this.advance(next, { withinAck: true });
    await this.refresh(input.runId);
    return undefined;
  }

  /** Refuses with a message when the user holds none of `roles`; audited like the router's own refusals. */
  async requireAny(userId: string, roles: readonly string[], action: string, target: string): Promise<void> {
    for (const role of roles) if (await this.services.permissions.holds(userId, role)) return;
    await this.services.permissions.require({ userId, role: roles[0]!, action, target });
  }
}

/** The approval request of gate `index` of run `runId`. */
export const gateId = (runId: string, index: number) => `${runId}-${index}`;

export function parseGateId(id: string): { runId: string; index: number } | undefined {
  const match = /^(\d{1,15})-(\d{1,3})$/.exec(id);
  return match ? { runId: match[1]!, index: Number(match[2]) } : undefined;
}

export type { ApprovalRequest };
