import type { Logger } from '../../log.js';
import type { JobHandler } from '../../platform/capability.js';
import { firstDrawAt, messageKey, type RunDesk } from '../desk.js';
import { outputMessage } from '../messages.js';
import { nextIndex, type StepResult, settle } from '../rules.js';
import { isFinal, type Run, type StepAction } from '../run.js';
import { checkStep } from '../steps/check-step.js';
import { flagStep } from '../steps/flag-step.js';
import { executeStep } from '../steps/index.js';
import { MarkTaken } from '../store.js';
import { type StepJob, stepQueue } from './step-queue.js';

/** How often a running step looks for a Cancel click, and at most how often its output reply is edited. */
const CANCEL_POLL_MS = 500;
const OUTPUT_EVERY_MS = 1000;
/** At most how often a job redraws its run's progress message while its steps go by (see Redraws). */
const REDRAW_EVERY_MS = 1000;
const OUTPUT_TAIL_CHARS = 2800;

/** The outbox key of a step attempt's output reply. */
const outputKey = (job: StepJob) => `runbook-${job.runId}-${job.index}-${job.attempt}-out`;

/** What the step job's phases share: the desk, the log, and the clock in milliseconds. */
interface StepEnv {
  desk: RunDesk;
  logger: Logger;
  now: () => number;
}

/** Runs one step of a run: gates open, other kinds run here with Cancel watched and output streamed; then the next. */
export function stepHandler(desk: RunDesk, logger: Logger): JobHandler<StepJob> {
  const env: StepEnv = { desk, logger, now: () => desk.services.now().getTime() };
  return {
    queue: stepQueue,
    onInterrupted: (data) => interrupted(env, data),
    process: (data) => processStep(env, data),
  };
}

/**
 * The step a job was running when its worker died: the first running one from the job's own step on, since a job
 * runs its step and the plain steps after it (see `chainable`) but never past a gate. The job's step when none runs.
 */
function cutOff(run: Run, data: StepJob): StepJob {
  for (let i = data.index; i < run.steps.length; i++) {
    const state = run.state[i]!;
    if (state.status === 'running') return { runId: data.runId, index: i, attempt: state.attempt };
    if (i > data.index && run.steps[i]!.action.kind === 'approve') break;
  }
  return data;
}

/**
 * A worker died during the step. Retryable steps run again (the next attempt); others wait for a human. A step that
 * had already ended (the crash came between its end and the next enqueue) just moves the run on.
 */
async function interrupted({ desk, logger, now }: StepEnv, job: StepJob): Promise<void> {
  let retry = false;
  let data = job;
  const run = await desk.store.change(job.runId, (r) => {
    retry = false;
    data = cutOff(r, job);
    const state = r.state[data.index];
    if (isFinal(r.status) || state?.attempt !== data.attempt || state.status !== 'running') return r;
    if (r.steps[data.index]!.retryable && !r.cancelledBy) {
      retry = true;
      return {
        ...r,
        state: r.state.map((s, i) =>
          i === data.index
            ? { ...s, status: 'pending', attempt: s.attempt + 1, detail: 'interrupted; running it again (retryable)' }
            : s,
        ),
      };
    }
    if (r.cancelledBy) return settle(r, data.index, { ok: false, detail: 'interrupted', cancelled: true }, now());
    return {
      ...r,
      status: 'needs-human',
      state: r.state.map((s, i) => (i === data.index ? { ...s, status: 'interrupted' } : s)),
    };
  });
  if (!run) return;
  logger.warn(
    { runId: run.id, step: run.steps[data.index]?.name, retry },
    'runbook step interrupted: the worker running it stopped',
  );
  if (run.status !== 'needs-human') await desk.advance(run);
  await desk.refresh(run.id);
}

/**
 * One delivery of a step job: skip stale or already-started attempts, open gates, run everything else — the job's
 * step and then, in the same job, each plain step after it (see `next`).
 */
async function processStep(env: StepEnv, data: StepJob) {
  const { desk, now } = env;
  const { store } = desk;
  const run = await store.get(data.runId);
  const state = run?.state[data.index];
  if (!run || isFinal(run.status) || state?.attempt !== data.attempt) return { skipped: 'stale' };
  if (state.status !== 'pending') {
    // The step already ended (a crash before the next enqueue) or is in someone's hands: move on if it can.
    if (state.status !== 'running' && state.status !== 'waiting' && state.status !== 'interrupted')
      await desk.advance(run);
    return { skipped: state.status };
  }
  const step = run.steps[data.index]!;
  if (run.cancelledBy || step.action.kind === 'approve') {
    if (!(await store.markStarted(run.id, data.index, data.attempt))) return startedBefore(env, data);
    if (run.cancelledBy)
      return finishStep(env, run, data, { ok: false, detail: 'cancelled before it started', cancelled: true });
    await desk.openGate(run, data.index);
    return { gate: 'open' };
  }
  let current = data;
  let running: Run;
  try {
    running = (await store.change(
      run.id,
      (r) => startStep(r, data.index, now()),
      () => data,
    ))!;
  } catch (error) {
    if (error instanceof MarkTaken) return startedBefore(env, data);
    throw error;
  }
  // Whoever enqueued this job drew the run as it stood (posted it, or showed a gate's decision): the first step's
  // start shows within the second, or not at all when the job is over sooner and draws its end.
  const redraws = new Redraws(desk, run.id, now, now());
  const replies = new ThreadReplies(env.logger);
  try {
    await redraws.show(running);
    for (;;) {
      const result = await runWatched(env, running, current, replies);
      const next = await nextInChain(env, running, current, result);
      if (!next) {
        await redraws.stop();
        const [finished] = await Promise.all([finishStep(env, running, current, result), replies.sent()]);
        return finished;
      }
      observe(desk, next.run, current);
      await redraws.show(next.run);
      running = next.run;
      current = next.job;
    }
  } finally {
    await Promise.all([redraws.stop(), replies.sent()]);
  }
}

/** The job's step attempt was started before (its worker died, and BullMQ gave the job out again): see `interrupted`. */
async function startedBefore(env: StepEnv, data: StepJob) {
  await interrupted(env, data);
  return { skipped: 'started before' };
}

/**
 * A job's redraws of its run's progress message while its steps go by: at once when the last one was a second ago or
 * more, else once that second is up (from what is stored then), so quick steps redraw the message about once a
 * second rather than at every step — each redraw is a write, an enqueue and a delivery job, and Slack lets one
 * message change about once a second anyway. The run's end is redrawn by whoever ends it, after `stop`.
 */
class Redraws {
  private timer?: NodeJS.Timeout;
  private drawing = Promise.resolve();

  constructor(
    private readonly desk: RunDesk,
    private readonly runId: string,
    private readonly now: () => number,
    private last: number,
  ) {}

  /** Shows `run`, as just written, now or within the second. */
  show(run: Run): Promise<void> {
    const wait = this.last + REDRAW_EVERY_MS - this.now();
    if (wait <= 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.last = this.now();
      return this.queue(() => this.desk.refresh(this.runId, run));
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.last = this.now();
      // Read again: a Cancel click may have changed the run since `run` was written.
      this.queue(() => this.desk.refresh(this.runId)).catch(() => {});
    }, wait);
    return Promise.resolve();
  }

  /** Drops a redraw not yet due and waits for one under way, so none lands after the run's last redraw. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.drawing.catch(() => {});
  }

  private queue(draw: () => Promise<void>): Promise<void> {
    this.drawing = this.drawing.catch(() => {}).then(draw);
    return this.drawing;
  }
}

/** The run with step `index` running. */
function startStep(r: Run, index: number, now: number): Run {
  return {
    ...r,
    status: 'running',
    state: r.state.map((s, i) => (i === index ? { ...s, status: 'running', startedAt: s.startedAt ?? now } : s)),
  };
}

/**
 * A plain step ended: when the step after it is also plain (not a gate) and nobody cancelled, records the end and
 * starts that one in one write, for this job to run next — no job, enqueue and redraw in between. It is marked
 * started first, as a job's step is, so no other job can ever start it too. Undefined when the run goes on otherwise.
 */
async function nextInChain(
  { desk, now }: StepEnv,
  run: Run,
  data: StepJob,
  result: StepResult,
): Promise<{ run: Run; job: StepJob } | undefined> {
  const planned = settle(run, data.index, result, now());
  const index = nextIndex(planned);
  if (index === undefined || planned.cancelledBy || planned.steps[index]!.action.kind === 'approve') return undefined;
  const job = { runId: run.id, index, attempt: planned.state[index]!.attempt };
  let chained = false;
  let ended: Run | undefined;
  try {
    ended = await desk.store.change(
      run.id,
      (r) => {
        chained = false;
        if (r.state[data.index]!.status !== 'running') return r;
        const settled = settle(r, data.index, result, now());
        const next = settled.state[index]!;
        if (settled.cancelledBy || nextIndex(settled) !== index || next.attempt !== job.attempt) return settled;
        chained = true;
        return startStep(settled, index, now());
      },
      () => (chained ? job : undefined),
    );
  } catch (error) {
    // Another job started that step: nothing was written, and finishStep records this one's end.
    if (error instanceof MarkTaken) return undefined;
    throw error;
  }
  if (chained) return { run: ended!, job };
  // The step's end is written (unless someone settled it meanwhile); finishStep finds it so and moves the run on.
  return undefined;
}

/** Observes how long step `data.index` of `run` took, once it has ended. */
function observe(desk: RunDesk, run: Run, data: StepJob): void {
  const state = run.state[data.index];
  if (state?.startedAt === undefined || state.finishedAt === undefined) return;
  desk.metrics.stepDuration.observe(
    { runbook: run.name, kind: run.steps[data.index]!.action.kind },
    (state.finishedAt - state.startedAt) / 1000,
  );
}

/**
 * Records the step's result (unless someone settled it meanwhile) and moves the run on; a run with nothing left ends
 * in the same write, and is redrawn once, as it ended.
 */
async function finishStep({ desk, now }: StepEnv, run: Run, data: StepJob, result: StepResult) {
  let closed = false;
  const ended = await desk.store.change(run.id, (r) => {
    const state = r.state[data.index]!;
    const settled = state.status === 'running' || state.status === 'pending' ? settle(r, data.index, result, now()) : r;
    const final = desk.closed(settled);
    closed = final !== settled;
    return final;
  });
  if (ended) observe(desk, ended, data);
  if (ended && closed) await desk.finished(ended);
  else if (ended) {
    await desk.refresh(run.id, ended);
    await desk.advance(ended);
  }
  return { ok: result.ok };
}

/**
 * A job's replies in its run's thread (output tails, `say`), sent in the order queued. A step's last output reply is
 * a post and an enqueue (a few round trips) that the run need not wait for: it goes on while the next step runs, and
 * the job waits for every reply before it ends. A reply that cannot be queued (Redis gone) is logged, not the run's
 * failure: the step's own result is what the run records.
 */
class ThreadReplies {
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly logger: Logger) {}

  /** Sends after every reply queued before. */
  queue<T>(send: () => Promise<T>): Promise<T> {
    const sent = this.last.then(send);
    this.last = sent.then(
      () => {},
      (error: unknown) => this.logger.warn({ err: error }, 'runbook reply not sent'),
    );
    return sent;
  }

  /** Settles once every reply queued so far was sent or logged. */
  sent(): Promise<void> {
    return this.last;
  }
}

/** Runs the step with Cancel polled and its output's tail kept current in the thread; then the guard, if any. */
async function runWatched(
  { desk, now }: StepEnv,
  run: Run,
  data: StepJob,
  replies: ThreadReplies,
): Promise<StepResult> {
  const { store } = desk;
  const { outbox } = desk.services;
  const abort = new AbortController();
  const threadKey = run.threadKey ?? messageKey(run.id);
  let tail = '';
  let posted = false;
  let dirty = false;
  const flush = async (done: boolean) => {
    if (!dirty && !done) return;
    dirty = false;
    const message = outputMessage(run, data.index, tail, done);
    if (!posted) {
      posted = true;
      await outbox.post({
        key: outputKey(data),
        channel: run.channel,
        message,
        threadKey,
        notBefore: firstDrawAt(run),
      });
    } else await outbox.update({ key: outputKey(data), message });
  };
  const outputTimer = setInterval(() => {
    replies.queue(() => flush(false)).catch(() => {});
  }, OUTPUT_EVERY_MS);
  const cancelTimer = setInterval(() => {
    void store.get(run.id).then(
      (r) => r?.cancelledBy && abort.abort(),
      () => {},
    );
  }, CANCEL_POLL_MS);
  const ctx = {
    signal: abort.signal,
    catalog: desk.services.catalog,
    onOutput(text: string) {
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      dirty = true;
    },
    // A `say` step's work is its reply: it waits for it (behind the replies before it).
    say: (text: string) =>
      replies.queue(() =>
        outbox.post({
          key: `${outputKey(data)}-say`,
          channel: run.channel,
          message: { text, blocks: [{ type: 'section', text: { type: 'plain_text', text: text.slice(0, 2900) } }] },
          threadKey,
          notBefore: firstDrawAt(run),
        }),
      ),
    flag: (action: Extract<StepAction, { kind: 'flag' }>) => flagStep(desk.services, run, data.index, action),
  };
  try {
    const step = run.steps[data.index]!;
    const result = await executeStep(step, run.state[data.index]!, now(), ctx);
    if (!result.ok || !step.guarded || run.guard.length === 0) return result;
    for (const ref of run.guard) {
      const guard = await checkStep(ref, ctx);
      if (!guard.ok) return { ...result, ok: false, detail: `guard ${ref} failed, method aborted: ${guard.detail}` };
    }
    return result;
  } finally {
    clearInterval(outputTimer);
    clearInterval(cancelTimer);
    // Not awaited: see ThreadReplies. An output that never came needs no reply.
    replies
      .queue(async () => {
        if (dirty || posted) await flush(true);
      })
      .catch(() => {});
  }
}
