import type { SloCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';
import { promQuery } from './prometheus-api.js';
import { budgetRemaining, burnRate, judgeSlo, ratio } from './slo-rules.js';

const HOUR_MS = 3_600_000;

/** Queries good and total over the SLO window, 1 h and 6 h (six queries at once) and judges the result. */
export async function runSloCheck(check: SloCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const objective = check.objective / 100;
  const at = Date.now();
  const attainmentOver = async (windowMs: number) => {
    const range = `${Math.round(windowMs / 1000)}s`;
    const [good, total] = await Promise.all([
      promQuery(check.url, check.good.replaceAll('$window', range), signal, at),
      promQuery(check.url, check.total.replaceAll('$window', range), signal, at),
    ]);
    return ratio(sum(good), sum(total));
  };
  const [attainment, last1h, last6h] = await Promise.all([
    attainmentOver(check.window),
    attainmentOver(HOUR_MS),
    attainmentOver(6 * HOUR_MS),
  ]);
  const latencyMs = Math.round(performance.now() - started);
  const detail = {
    type: 'slo' as const,
    attainment,
    budgetRemaining: attainment === undefined ? undefined : budgetRemaining(attainment, objective),
    burnRate1h: last1h === undefined ? undefined : burnRate(last1h, objective),
    burnRate6h: last6h === undefined ? undefined : burnRate(last6h, objective),
  };
  if (attainment === undefined) return { ok: false, summary: 'no traffic in the window', latencyMs, detail };
  const verdict = judgeSlo({ ...detail, limits: check.burnRate });
  const budget = `${percent(attainment)} of ${check.objective}%, budget left ${percent(detail.budgetRemaining!)}`;
  return { ok: verdict.ok, summary: verdict.reason ? `${verdict.reason}; ${budget}` : budget, latencyMs, detail };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** 0.99912 → `99.91%`. */
export function percent(fraction: number): string {
  return `${(Math.round(fraction * 10_000) / 100).toString()}%`;
}
