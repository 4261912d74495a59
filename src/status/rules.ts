import type { Check } from '../checks/check-kinds.js';
import type { Deploy } from '../deploys/api.js';
import type { StatusSettings } from './settings.js';

/** One check's result as kept in Redis (the last N per check) and shown in chat. */
export interface StoredResult {
  ok: boolean;
  summary: string;
  latencyMs: number;
  /** When it finished, ms since the epoch. */
  at: number;
  /** The target's circuit was open: the check did not run. */
  circuitOpen?: boolean;
  /** slo checks: the share of the error budget left (1 = untouched). */
  budgetRemaining?: number;
}

export type Health = 'healthy' | 'degraded' | 'down' | 'checking' | 'unchecked';

export interface ServiceStatus {
  name: string;
  checks: Array<{ name: string; type: Check['type']; result?: StoredResult }>;
  lastDeploy?: LastDeploy;
  /** Open incidents of the service, once the incidents capability provides them (see context.ts). */
  openIncidents?: number;
  /** `/ops status <service>`: recent changes of flags that name the service, newest first. */
  flagChanges?: Array<{ flag: string; change: string; at: number }>;
}

/** A service's newest deploy or rollback, in any environment. */
export interface LastDeploy {
  version: string;
  environment: string;
  kind: Deploy['kind'];
  status: Deploy['status'];
  /** When it finished, or was asked for while it has not (ms since the epoch). */
  at: number;
}

/** The newest deploy among a service's environments' histories (each newest first). */
export function lastDeployOf(histories: ReadonlyArray<readonly Deploy[]>): LastDeploy | undefined {
  const newest = histories.flatMap((history) => history.slice(0, 1)).sort((a, b) => b.requestedAt - a.requestedAt)[0];
  if (!newest) return undefined;
  const { version, environment, kind, status } = newest;
  return { version, environment, kind, status, at: newest.finishedAt ?? newest.requestedAt };
}

/**
 * A service's health from its checks' results: healthy when every check passes, down when every one fails,
 * degraded in between; `checking` while a result is missing, `unchecked` without checks.
 */
export function healthOf(service: ServiceStatus): Health {
  if (service.checks.length === 0) return 'unchecked';
  if (service.checks.some((check) => check.result === undefined)) return 'checking';
  const failing = service.checks.filter((check) => !check.result!.ok).length;
  if (failing === 0) return 'healthy';
  return failing === service.checks.length ? 'down' : 'degraded';
}

const HEALTH_ORDER: Record<Health, number> = { down: 0, degraded: 1, checking: 2, unchecked: 3, healthy: 4 };

/** What needs attention first: down, degraded, still checking, unchecked, healthy; by name within each. */
export function byUrgency(services: readonly ServiceStatus[]): ServiceStatus[] {
  return [...services].sort(
    (a, b) => HEALTH_ORDER[healthOf(a)] - HEALTH_ORDER[healthOf(b)] || a.name.localeCompare(b.name),
  );
}

/** Circuit-breaker state of one target (a host, a Prometheus, a command). */
export interface BreakerState {
  failures: number;
  /** Until when the target is not asked (ms since the epoch); absent while closed. */
  openUntil?: number;
}

/** Whether a check may ask its target now: not while its circuit is open; once `retryAfter` passed, one probe. */
export function breakerAllows(state: BreakerState, now: number): boolean {
  return state.openUntil === undefined || now >= state.openUntil;
}

/**
 * The state after a run: a target that answered closes the circuit; the Nth time in a row it did not (or a failed
 * probe) opens it.
 */
export function breakerAfter(
  state: BreakerState,
  ok: boolean,
  now: number,
  settings: StatusSettings['circuitBreaker'],
): BreakerState {
  if (ok) return { failures: 0 };
  const failures = state.failures + 1;
  return failures >= settings.failures ? { failures, openUntil: now + settings.retryAfterMs } : { failures };
}

/** The target a circuit breaker guards: checks of one host share it, so a dead host is not asked by each. */
export function targetOf(service: string, name: string, check: Check): string {
  switch (check.type) {
    case 'http':
    case 'prometheus':
    case 'slo':
    case 'redis':
      return new URL(check.url).host;
    case 'tcp':
      return `${check.host}:${check.port}`;
    case 'command':
      return `${service}.${name}`;
  }
}

/** Alerting state of a scheduled check. */
export interface AlertState {
  failures: number;
  alerting: boolean;
  /** When the current run of failures began (ms since the epoch): the alert's start, which names the outage. */
  since?: number;
}

export type AlertTransition = 'raise' | 'resolve' | 'none';

/**
 * After a scheduled run at `at`: the `failuresBeforeAlert`th failure in a row raises an alert; the first pass after
 * it resolves it. `since` keeps the first failure of the run until the alert is resolved.
 */
export function alertAfter(
  state: AlertState,
  ok: boolean,
  failuresBeforeAlert: number,
  at: number,
): { state: AlertState; transition: AlertTransition } {
  if (ok) {
    const resolved = { failures: 0, alerting: false, since: state.alerting ? state.since : undefined };
    return { state: resolved, transition: state.alerting ? 'resolve' : 'none' };
  }
  const failures = state.failures + 1;
  const since = failures === 1 ? at : (state.since ?? at);
  if (!state.alerting && failures >= failuresBeforeAlert) {
    return { state: { failures, alerting: true, since }, transition: 'raise' };
  }
  return { state: { failures, alerting: state.alerting, since }, transition: 'none' };
}

/**
 * Edit intervals before the expected end of a `/ops status` request in which its message is not redrawn. An edit drawn
 * then waits for the message's next edit slot (up to one interval) and the complete message for the slot after it;
 * the pace so far also underestimates the end's (the first results are slower to come), hence one interval more.
 */
export const QUIET_EDITS = 3;

/**
 * Whether a `/ops status` message is worth redrawing with `done` of `total` results, `elapsedMs` after it was asked
 * for and `sinceDrawMs` after its last draw. Slack messages are edited at a limited pace (one edit per
 * `editIntervalMs`), so an edit drawn just before the last result only holds the complete message back behind it:
 * near the end (the rest due within `QUIET_EDITS` intervals at the pace so far) a draw is skipped. The last result,
 * the first second's, and any result `QUIET_EDITS` intervals after the last draw are always drawn, so a slow check
 * never keeps the message further behind.
 */
export function worthRedrawing(
  progress: { done: number; total: number; elapsedMs: number; sinceDrawMs?: number },
  editIntervalMs: number,
): boolean {
  const { done, total, elapsedMs, sinceDrawMs } = progress;
  const quietMs = QUIET_EDITS * editIntervalMs;
  if (done >= total || done === 0 || elapsedMs < editIntervalMs) return true;
  if (sinceDrawMs === undefined || sinceDrawMs >= quietMs) return true;
  return ((total - done) * elapsedMs) / done > quietMs;
}

const BARS = '▁▂▃▄▅▆▇█';

/** Latencies as a text sparkline, oldest first, scaled between their min and max. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const span = Math.max(...values) - min;
  return values.map((value) => BARS[span === 0 ? 0 : Math.round(((value - min) / span) * (BARS.length - 1))]).join('');
}

/** Pass/fail history, oldest first: ✓ pass, ✗ fail, ○ not run (circuit open). */
export function resultline(results: readonly StoredResult[]): string {
  return results.map((result) => (result.circuitOpen ? '○' : result.ok ? '✓' : '✗')).join('');
}
