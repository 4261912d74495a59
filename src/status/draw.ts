import type { Catalog } from '../config/catalog.js';
import type { Services } from '../platform/services.js';
import { editPaceFor } from '../slack/outbox/pace-rules.js';
import type { StatusContext } from './context.js';
import { detailMessage, overviewMessage } from './messages.js';
import type { ServiceStatus, StoredResult } from './rules.js';
import type { StatusSettings } from './settings.js';
import type { StatusStore } from './store.js';

/** A request's message is drawn at most once per this long while results arrive (then once more after), and always for the last one. */
export const REDRAW_EVERY_MS = 250;
/** The outbox edits one message at most this often (see `worthRedrawing`). */
export const EDIT_INTERVAL_MS = editPaceFor('status').intervalMs;

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
      flagChanges: context?.flagChanges?.[service],
    }));
}

/** Counted once per catalog and scope: every result of a request asks, and counting walks every service. */
const counted = new WeakMap<Catalog, Map<string | undefined, number>>();

/** The number of checks of every service, or of one. */
export function countChecks(catalog: Catalog, only: string | undefined): number {
  let counts = counted.get(catalog);
  if (!counts) {
    counts = new Map();
    counted.set(catalog, counts);
  }
  let n = counts.get(only);
  if (n === undefined) {
    n = Object.entries(catalog.services)
      .filter(([service]) => only === undefined || service === only)
      .reduce((sum, [, definition]) => sum + Object.keys(definition.checks).length, 0);
    counts.set(only, n);
  }
  return n;
}

export type DrawDeps = Pick<Services, 'catalog' | 'outbox'> & { store: StatusStore; settings: StatusSettings };

/** A request's progress for `worthRedrawing`, from what the store says about it. */
export function progressOf(
  state: { count: number; request?: { startedAt?: number }; drawnAt?: number },
  total: number,
  now: number,
): { done: number; total: number; elapsedMs: number; sinceDrawMs?: number } {
  return {
    done: state.count,
    total,
    elapsedMs: now - (state.request?.startedAt ?? now),
    sinceDrawMs: state.drawnAt === undefined ? undefined : now - state.drawnAt,
  };
}

/**
 * Draws the request's message with every result so far (an outbox edit; edits coalesce), unless a draw with as many
 * results was made already, so a slow draw of fewer results cannot overwrite the complete one. The draw with every
 * result is the message's final state: the outbox sends it ahead of the message's edit pace.
 */
export async function drawRequest(deps: DrawDeps, requestId: string, now: number): Promise<void> {
  const { catalog, store, settings } = deps;
  const { request, context, results } = await store.request(requestId);
  if (!request || !(await store.claimDraw(requestId, results.size, now))) return;
  const resultOf = (service: string, check: string) => results.get(`${service}/${check}`);
  const services = statusesOf(catalog, resultOf, request.service, context);
  let message = overviewMessage(services);
  const [one] = services;
  if (request.service !== undefined && one) {
    const histories = await Promise.all(
      one.checks.map(async (c) => [c.name, await store.history(one.name, c.name, settings.keepResults)] as const),
    );
    message = detailMessage(one, new Map(histories));
  }
  const final = results.size >= countChecks(catalog, request.service);
  await deps.outbox.update({ key: request.messageKey, message, final });
}
