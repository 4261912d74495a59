/**
 * Service-level objective maths, pure. Ratios are fractions (0.999 for 99.9 %). The error budget is what the
 * objective allows to fail, `1 - objective`; the burn rate over a window is how fast it is spent there, as a multiple
 * of the rate that would spend exactly the budget over the SLO window (Google SRE workbook, "Alerting on SLOs").
 */

/** good / total; undefined when there was no traffic (no attainment to speak of). */
export function ratio(good: number, total: number): number | undefined {
  if (!(total > 0) || !Number.isFinite(good)) return undefined;
  return Math.min(1, Math.max(0, good / total));
}

/** Share of the error budget still unspent, 1 = untouched, 0 = spent, negative = overspent. */
export function budgetRemaining(attainment: number, objective: number): number {
  return 1 - (1 - attainment) / (1 - objective);
}

/** Error rate over a window as a multiple of the budgeted error rate. */
export function burnRate(attainment: number, objective: number): number {
  return (1 - attainment) / (1 - objective);
}

export interface SloVerdict {
  ok: boolean;
  /** Why it fails, in words; absent when it passes. */
  reason?: string;
}

/**
 * Fails when the budget is spent, or when it burns faster than allowed over 1 h (`fast`, default 14.4: 2 % of a
 * 30-day budget in an hour) or 6 h (`slow`, default 6: 5 % in six hours). Windows without traffic do not count.
 */
export function judgeSlo(input: {
  budgetRemaining?: number;
  burnRate1h?: number;
  burnRate6h?: number;
  limits: { fast: number; slow: number };
}): SloVerdict {
  if (input.budgetRemaining !== undefined && input.budgetRemaining <= 0) {
    return { ok: false, reason: 'error budget spent' };
  }
  if (input.burnRate1h !== undefined && input.burnRate1h >= input.limits.fast) {
    return { ok: false, reason: `burning ${round(input.burnRate1h)}× over 1 h (limit ${input.limits.fast}×)` };
  }
  if (input.burnRate6h !== undefined && input.burnRate6h >= input.limits.slow) {
    return { ok: false, reason: `burning ${round(input.burnRate6h)}× over 6 h (limit ${input.limits.slow}×)` };
  }
  return { ok: true };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
