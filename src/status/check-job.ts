import { z } from 'zod';
import { type CheckAlert, raiseCheckAlert } from '../alerts/api.js';
import type { Check } from '../checks/check-kinds.js';
import { runCheck } from '../checks/run-check.js';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { countChecks, type DrawDeps, drawRequest, EDIT_INTERVAL_MS, progressOf, REDRAW_EVERY_MS } from './draw.js';
import { redrawQueue } from './redraw-job.js';
import {
  type AlertState,
  type AlertTransition,
  alertAfter,
  type BreakerState,
  breakerAfter,
  breakerAllows,
  type StoredResult,
  targetOf,
  worthRedrawing,
} from './rules.js';
import type { Added, Before, BeforeOf } from './store.js';

const name = z.string().regex(/^[a-z][a-z0-9_-]*$/);

export const checkJob = z
  .object({
    service: name,
    /** One check: a scheduled run (its job scheduler's data), or one check of `/ops status <service>`. */
    check: name.optional(),
    /** Several checks of the service, run one after another: a request over every service (see `fanOut`). */
    checks: z.array(name).min(1).max(100).optional(),
    /** The `/ops status` request this run fills in; absent for scheduled runs. */
    requestId: z.string().min(1).max(200).optional(),
    /** The request's scope: one service, or every service when absent (with `requestId`). */
    requestScope: name.optional(),
    /** A scheduled run: counts towards `failuresBeforeAlert`. */
    scheduled: z.boolean().optional(),
  })
  .refine((data) => (data.check === undefined) !== (data.checks === undefined), 'either check or checks');
export type CheckJob = z.output<typeof checkJob>;

export const CHECK_QUEUE = 'status-check';

/** The checks a job runs, in order. */
export const checksOf = (data: CheckJob): string[] => data.checks ?? (data.check === undefined ? [] : [data.check]);

/**
 * One job per check run, or per service's checks run one after another: `WORKER_CONCURRENCY` checks at once per
 * worker process either way.
 */
export const checkQueue = defineQueue<CheckJob>({
  name: CHECK_QUEUE,
  schema: checkJob,
  // A scheduled run's id comes from its job scheduler; a request's run is once per request and check (or checks).
  jobId: (data) => `${data.requestId ?? 'run'}-${data.service}-${checksOf(data).join('.')}`,
  // A check that fails is a result, not an error: no retries.
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 1000 },
  onStall: 'rerun',
});

type Deps = DrawDeps & Pick<Services, 'now' | 'logger' | 'jobs' | 'home'>;

/** One check of a job, as ops.yml has it now. */
type JobCheck = BeforeOf & { config: Check };

/**
 * Runs one check unless its target's circuit is open, keeps the result, then fills it into the `/ops status` message
 * it was asked for (an outbox edit; edits coalesce), or, for a scheduled run, raises or resolves its alert. A job of
 * several checks runs them one after another, each as soon as the one before has its answer (see `runAll`).
 */
export function checkHandler(deps: Deps): JobHandler<CheckJob> {
  const { catalog, store } = deps;
  return {
    queue: checkQueue,
    async process(data, ctx) {
      const { service } = data;
      const checks = checksOf(data).flatMap((check): JobCheck[] => {
        const config = catalog.services[service]?.checks[check];
        // ops.yml changed since the job was enqueued: nothing to run.
        return config ? [{ service, check, config, target: targetOf(service, check, config) }] : [];
      });
      // What every check reads first, in one round trip before the first runs.
      return runAll(data, checks, await store.before(checks), ctx.signal);
    },
    schedules: () => checkSchedules(catalog),
  };

  /**
   * Keeping a result (and filling it in, alerting) goes on while the job's next check runs, so its checks are not
   * spaced by round trips; the job ends once every result is kept. A breaker one of them changes is carried to the
   * job's later checks of the same target (read before it changed).
   */
  async function runAll(data: CheckJob, checks: JobCheck[], before: Before[], signal?: AbortSignal) {
    const breakers = new Map<string, BreakerState>();
    // Each keep's error is held, not left rejected while the next check runs (an unhandled rejection ends the process).
    const keeps: Promise<unknown>[] = [];
    let ran = 0;
    let failed = 0;
    for (const [i, check] of checks.entries()) {
      // The job is being cancelled: the checks not run yet are left alone rather than failed.
      if (signal?.aborted) break;
      const { breaker = { failures: 0 }, previous } = before[i] ?? {};
      const run = await runOne(deps, data.service, check, breakers.get(check.target) ?? breaker, signal);
      if (run.breaker) breakers.set(check.target, run.breaker.state);
      ran++;
      if (!run.stored.ok) failed++;
      keeps.push(afterRun(deps, data, check, run, previous).then(noError, (error: unknown) => ({ error })));
    }
    const error = (await Promise.all(keeps)).find((kept) => kept !== undefined);
    if (error) throw (error as { error: unknown }).error;
    return { ran, failed };
  }
}

/** Runs one check, or not when its target's circuit is open: the result, and the target's breaker if it asked. */
async function runOne(
  deps: Deps,
  service: string,
  { config: check, target }: JobCheck,
  breaker: BreakerState,
  signal?: AbortSignal,
) {
  if (!breakerAllows(breaker, deps.now().getTime())) {
    const stored: StoredResult = {
      ok: false,
      summary: 'circuit open',
      latencyMs: 0,
      at: deps.now().getTime(),
      circuitOpen: true,
    };
    return { stored };
  }
  const result = await runCheck(check, { signal, service });
  const at = deps.now().getTime();
  const stored: StoredResult = { ok: result.ok, summary: result.summary, latencyMs: result.latencyMs, at };
  if (result.detail.type === 'slo' && result.detail.budgetRemaining !== undefined) {
    stored.budgetRemaining = result.detail.budgetRemaining;
  }
  // Only a target that does not answer trips the breaker; a wrong answer (a 503) is a result like any other.
  return {
    stored,
    breaker: { target, state: breakerAfter(breaker, !result.unreachable, at, deps.settings.circuitBreaker) },
  };
}

/** Keeps a run's result; a requested run adds it to the request in the same round trip; a scheduled one alerts. */
async function afterRun(
  deps: Deps,
  data: CheckJob,
  { check: name, config: check }: JobCheck,
  { stored, breaker }: { stored: StoredResult; breaker?: { target: string; state: BreakerState } },
  previous: StoredResult | undefined,
): Promise<void> {
  const { store, settings } = deps;
  if (data.requestId === undefined) await store.keep(data.service, name, stored, settings.keepResults, breaker);
  else {
    const request = { id: data.requestId, everyMs: REDRAW_EVERY_MS };
    const added = await store.keepForRequest(data.service, name, stored, settings.keepResults, breaker, request);
    await fillIn(deps, data.requestId, data.requestScope, added);
  }
  if (data.scheduled) await alertOn(deps, data.service, name, stored, check);
  // A check that passes now and failed before (or the other way round) changes its service's health on Home.
  if (previous !== undefined && previous.ok !== stored.ok) await deps.home.changed();
}

const noError = (): undefined => undefined;

/**
 * Adds the result to its request. The last result draws the complete message; otherwise the first result of each
 * redraw slot draws (unless near the end, see `worthRedrawing`) and asks for a trailing draw, which shows what
 * arrives after it if no later result draws first.
 */
async function fillIn(d: Deps, requestId: string, scope: string | undefined, added: Added): Promise<void> {
  const total = countChecks(d.catalog, scope);
  const now = d.now().getTime();
  if (added.count >= total) return drawRequest(d, requestId, now);
  if (!added.draw) return;
  await d.jobs.enqueue(redrawQueue, { requestId, due: now + REDRAW_EVERY_MS });
  if (worthRedrawing(progressOf(added, total, now), EDIT_INTERVAL_MS)) await drawRequest(d, requestId, now);
}

/**
 * A scheduled run's alert goes through the alerts pipeline, like any webhook's: one group per check, posted in the
 * service's channel (or as `alerts.routes` say) with Acknowledge, and resolved in the same message on recovery.
 */
async function alertOn(
  d: Deps,
  service: string,
  name: string,
  stored: StoredResult,
  check: AlertingOptions,
): Promise<void> {
  const { failuresBeforeAlert } = check;
  const state = await d.store.alertState(service, name);
  const next = alertAfter(state, stored.ok, failuresBeforeAlert, stored.at);
  if (next.transition !== 'none') await raiseCheckAlert(d, checkAlert(service, name, stored, state, next, check));
  // Saved after the enqueue: a run that stops in between raises (or resolves) again next time, with the same start,
  // which the alerts pipeline drops as a duplicate; saved first, the alert could be lost.
  await d.store.setAlertState(service, name, next.state);
}

/** Every check with an `interval`, scheduled; its scheduler id names the check, so a changed interval updates it. */
function checkSchedules(catalog: Deps['catalog']) {
  return Object.entries(catalog.services).flatMap(([service, definition]) =>
    Object.entries(definition.checks).flatMap(([check, config]) =>
      config.interval === undefined
        ? []
        : [
            {
              id: `check-${service}-${check}`,
              everyMs: config.interval,
              data: { service, check, scheduled: true },
            },
          ],
    ),
  );
}

/** A scheduled check's raise or resolve, for the alerts pipeline: the alert starts at the first failure. */
function checkAlert(
  service: string,
  check: string,
  stored: StoredResult,
  state: AlertState,
  next: { state: AlertState; transition: AlertTransition },
  { failuresBeforeAlert, severity }: AlertingOptions,
): CheckAlert {
  const raise = next.transition === 'raise';
  const failures = raise ? next.state.failures : state.failures;
  return {
    service,
    check,
    status: raise ? 'firing' : 'resolved',
    startsAt: new Date((raise ? next.state.since : state.since) ?? stored.at).toISOString(),
    summary: raise ? stored.summary : `Passes again: ${stored.summary}`,
    description: `Failed ${failures} time${failures === 1 ? '' : 's'} in a row (failuresBeforeAlert: ${failuresBeforeAlert}).`,
    severity,
    receivedAt: stored.at,
  };
}

/** What a check's ops.yml says about alerting. */
type AlertingOptions = { failuresBeforeAlert: number; severity: string };
