import { z } from 'zod';
import { enqueueBatch } from '../alerts/ingest-job.js';
import { batchFromCheck } from '../alerts/rules.js';
import type { AlertBatch } from '../alerts/schemas.js';
import { runCheck } from '../checks/run-check.js';
import type { Catalog } from '../config/catalog.js';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { editPaceFor } from '../slack/outbox/pace-rules.js';
import type { StatusContext } from './context.js';
import { detailMessage, overviewMessage } from './messages.js';
import {
  type AlertState,
  type AlertTransition,
  alertAfter,
  type BreakerState,
  breakerAfter,
  breakerAllows,
  type ServiceStatus,
  type StoredResult,
  targetOf,
  worthRedrawing,
} from './rules.js';
import type { StatusSettings } from './settings.js';
import type { StatusStore } from './store.js';

const name = z.string().regex(/^[a-z][a-z0-9_-]*$/);

export const checkJob = z.object({
  service: name,
  check: name,
  /** The `/ops status` request this run fills in; absent for scheduled runs. */
  requestId: z.string().min(1).max(200).optional(),
  /** The request's scope: one service, or every service when absent (with `requestId`). */
  requestScope: name.optional(),
  /** A scheduled run: counts towards `failuresBeforeAlert`. */
  scheduled: z.boolean().optional(),
});
export type CheckJob = z.output<typeof checkJob>;

export const CHECK_QUEUE = 'status-check';

/** One job per check run, `WORKER_CONCURRENCY` at once per worker process. */
export const checkQueue = defineQueue<CheckJob>({
  name: CHECK_QUEUE,
  schema: checkJob,
  // A scheduled run's id comes from its job scheduler; a request's run is once per request and check.
  jobId: (data) => `${data.requestId ?? 'run'}-${data.service}-${data.check}`,
  // A check that fails is a result, not an error: no retries.
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 1000 },
  onStall: 'rerun',
});

/** Every service of the catalog with its checks, results filled in from `resultOf`. */
export function statusesOf(
  catalog: Catalog,
  resultOf: (service: string, check: string) => StoredResult | undefined,
  only?: string,
  context?: StatusContext,
): ServiceStatus[] {
  return Object.entries(catalog.services)
    .filter(([service]) => only === undefined || service === only)
    .map(([service, definition]) => ({
      name: service,
      checks: Object.entries(definition.checks).map(([check, config]) => ({
        name: check,
        type: config.type,
        result: resultOf(service, check),
      })),
      lastDeploy: context?.lastDeploys[service],
      openIncidents: context?.openIncidents?.[service],
    }));
}

/** A request's message is redrawn at most this often while results arrive, and always for the last one. */
const REDRAW_EVERY_MS = 250;
/** The outbox edits one message at most this often (see `worthRedrawing`). */
const EDIT_INTERVAL_MS = editPaceFor('status').intervalMs;

/** The number of checks of every service, or of one. */
function countChecks(catalog: Catalog, only: string | undefined): number {
  return Object.entries(catalog.services)
    .filter(([service]) => only === undefined || service === only)
    .reduce((n, [, definition]) => n + Object.keys(definition.checks).length, 0);
}

type Deps = Pick<Services, 'catalog' | 'outbox' | 'now' | 'logger' | 'jobs' | 'home'> & {
  store: StatusStore;
  settings: StatusSettings;
};

/**
 * Runs one check unless its target's circuit is open, keeps the result, then fills it into the `/ops status` message
 * it was asked for (an outbox edit; edits coalesce), or, for a scheduled run, raises or resolves its alert.
 */
export function checkHandler(deps: Deps): JobHandler<CheckJob> {
  const { catalog, store, settings } = deps;
  return {
    queue: checkQueue,
    async process(data, ctx) {
      const check = catalog.services[data.service]?.checks[data.check];
      // ops.yml changed since the job was enqueued: nothing to run.
      if (!check) return { skipped: true };
      const target = targetOf(data.service, data.check, check);
      const { breaker, previous } = await store.before(target, data.service, data.check);
      let stored: StoredResult;
      let nextBreaker: { target: string; state: BreakerState } | undefined;
      if (!breakerAllows(breaker, deps.now().getTime())) {
        stored = { ok: false, summary: 'circuit open', latencyMs: 0, at: deps.now().getTime(), circuitOpen: true };
      } else {
        const result = await runCheck(check, { signal: ctx.signal, service: data.service });
        const at = deps.now().getTime();
        stored = { ok: result.ok, summary: result.summary, latencyMs: result.latencyMs, at };
        if (result.detail.type === 'slo' && result.detail.budgetRemaining !== undefined) {
          stored.budgetRemaining = result.detail.budgetRemaining;
        }
        // Only a target that does not answer trips the breaker; a wrong answer (a 503) is a result like any other.
        nextBreaker = { target, state: breakerAfter(breaker, !result.unreachable, at, settings.circuitBreaker) };
      }
      await store.keep(data.service, data.check, stored, settings.keepResults, nextBreaker);
      if (data.requestId !== undefined) await fillIn(deps, data.requestId, data, stored);
      if (data.scheduled) await alertOn(deps, data, stored, check.failuresBeforeAlert);
      // A check that passes now and failed before (or the other way round) changes its service's health on Home.
      if (previous !== undefined && previous.ok !== stored.ok) await deps.home.changed();
      return { ok: stored.ok };
    },
    // Every check with an `interval`, scheduled; its scheduler id names the check, so a changed interval updates it.
    schedules: () =>
      Object.entries(catalog.services).flatMap(([service, definition]) =>
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
      ),
  };

  async function fillIn(d: Deps, requestId: string, data: CheckJob, stored: StoredResult): Promise<void> {
    const total = countChecks(catalog, data.requestScope);
    const added = await store.addToRequest(requestId, data.service, data.check, stored, REDRAW_EVERY_MS);
    const now = d.now().getTime();
    const progress = {
      done: added.count,
      total,
      elapsedMs: now - (added.request?.startedAt ?? now),
      sinceDrawMs: added.drawnAt === undefined ? undefined : now - added.drawnAt,
    };
    if (added.count < total && !(added.draw && worthRedrawing(progress, EDIT_INTERVAL_MS))) return;
    const { request, context, results } = await store.request(requestId);
    if (!request || !(await store.claimDraw(requestId, results.size, now))) return;
    const resultOf = (service: string, check: string) => results.get(`${service}/${check}`);
    const services = statusesOf(catalog, resultOf, request.service, context);
    let message = overviewMessage(services);
    if (request.service !== undefined && services[0]) {
      const checks = services[0].checks;
      const histories = await Promise.all(
        checks.map(
          async (c) => [c.name, await store.history(services[0]!.name, c.name, settings.keepResults)] as const,
        ),
      );
      message = detailMessage(services[0], new Map(histories));
    }
    await d.outbox.update({ key: request.messageKey, message });
  }

  /**
   * A scheduled run's alert goes through the alerts pipeline, like any webhook's: one group per check, posted in the
   * service's channel (or as `alerts.routes` say) with Acknowledge, and resolved in the same message on recovery.
   */
  async function alertOn(d: Deps, data: CheckJob, stored: StoredResult, failuresBeforeAlert: number): Promise<void> {
    const state = await store.alertState(data.service, data.check);
    const next = alertAfter(state, stored.ok, failuresBeforeAlert, stored.at);
    if (next.transition !== 'none') await enqueueBatch(d, alertBatch(data, stored, state, next, failuresBeforeAlert));
    // Saved after the enqueue: a run that stops in between raises (or resolves) again next time, with the same start,
    // which the alerts pipeline drops as a duplicate; saved first, the alert could be lost.
    await store.setAlertState(data.service, data.check, next.state);
  }
}

/** The alerts pipeline's batch for a scheduled check's raise or resolve: the alert starts at the first failure. */
function alertBatch(
  data: CheckJob,
  stored: StoredResult,
  state: AlertState,
  next: { state: AlertState; transition: AlertTransition },
  failuresBeforeAlert: number,
): AlertBatch {
  const raise = next.transition === 'raise';
  const failures = raise ? next.state.failures : state.failures;
  return batchFromCheck({
    service: data.service,
    check: data.check,
    status: raise ? 'firing' : 'resolved',
    startsAt: new Date((raise ? next.state.since : state.since) ?? stored.at).toISOString(),
    summary: raise ? stored.summary : `Passes again: ${stored.summary}`,
    description: `Failed ${failures} time${failures === 1 ? '' : 's'} in a row (failuresBeforeAlert: ${failuresBeforeAlert}).`,
    receivedAt: stored.at,
  });
}
