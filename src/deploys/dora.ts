import type { Deploy } from './deploy.js';

/**
 * The four DORA keys over a window, pure: a service's deploy history, its incidents' restore times and `now` in,
 * figures out. Undefined means no data (shown as "unknown"), never zero.
 */

/** The windows shown, in days. */
export const DORA_WINDOWS = [7, 30] as const;
const DAY_MS = 86_400_000;

/** An incident of the service that was resolved: how long it took to restore. */
export interface Restore {
  declaredAt: number;
  resolvedAt: number;
}

export interface DoraFigures {
  days: number;
  /** Deployment frequency: deploys (not rollbacks) that succeeded in the window. */
  deploys: number;
  /** Median time from the commit a provider reported to the deploy's end; undefined when no provider reported one. */
  leadTime: number | undefined;
  changeFailureRate: number | undefined;
  /** Median time from an incident's declaration to its resolution. */
  timeToRestore: number | undefined;
}

/**
 * Changes and their failures: a change is a finished deploy (not a rollback); it failed when it failed, did not
 * verify, or was rolled back (a rollback in its environment came after it and before the next deploy there). A
 * deploy that succeeded where no verify checks are configured had nothing to fail, so it is no failure.
 */
export function deployStats(history: readonly Deploy[]): {
  changes: number;
  failed: number;
  rollbacks: number;
  changeFailureRate: number | undefined;
} {
  const rolledBack = new Set<string>();
  const last = new Map<string, Deploy>();
  for (const deploy of [...history].sort((a, b) => a.requestedAt - b.requestedAt)) {
    if (deploy.kind === 'deploy') last.set(deploy.environment, deploy);
    else if (last.has(deploy.environment)) rolledBack.add(last.get(deploy.environment)!.id);
  }
  const changes = history.filter((d) => d.kind === 'deploy' && (d.status === 'succeeded' || d.status === 'failed'));
  const failed = changes.filter(
    (d) => d.status === 'failed' || (!d.verified && !d.unverifiable) || rolledBack.has(d.id),
  ).length;
  return {
    changes: changes.length,
    failed,
    rollbacks: history.filter((d) => d.kind === 'rollback').length,
    changeFailureRate: changes.length === 0 ? undefined : failed / changes.length,
  };
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The four keys over the `days` before `now`; a deploy counts in the window it finished (or was asked) in. */
export function doraFigures(
  history: readonly Deploy[],
  restores: readonly Restore[],
  now: number,
  days: number,
): DoraFigures {
  const since = now - days * DAY_MS;
  const inWindow = history.filter((d) => (d.finishedAt ?? d.requestedAt) >= since);
  const shipped = inWindow.filter((d) => d.kind === 'deploy' && d.status === 'succeeded');
  return {
    days,
    deploys: shipped.length,
    leadTime: median(
      shipped.flatMap((d) =>
        d.committedAt !== undefined && d.finishedAt !== undefined ? [d.finishedAt - d.committedAt] : [],
      ),
    ),
    changeFailureRate: deployStats(inWindow).changeFailureRate,
    timeToRestore: median(restores.filter((r) => r.resolvedAt >= since).map((r) => r.resolvedAt - r.declaredAt)),
  };
}

/** `3h`, `2d`, `45m`: a duration rounded to its largest unit, for figures that are medians. */
export function roughDuration(ms: number): string {
  if (ms >= 2 * DAY_MS) return `${Math.round(ms / DAY_MS)}d`;
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.max(1, Math.round(ms / 60_000))}m`;
}

/** `7d: 2 deploys, lead time 3h, change failure rate 50%, time to restore unknown`. */
export function doraLine(figures: DoraFigures): string {
  const duration = (ms: number | undefined) => (ms === undefined ? 'unknown' : roughDuration(ms));
  const rate = figures.changeFailureRate === undefined ? 'unknown' : `${Math.round(figures.changeFailureRate * 100)}%`;
  return `${figures.days}d: ${figures.deploys} deploy${figures.deploys === 1 ? '' : 's'}, lead time ${duration(figures.leadTime)}, change failure rate ${rate}, time to restore ${duration(figures.timeToRestore)}`;
}
