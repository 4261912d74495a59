import type { PrometheusCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';
import { promQuery } from './prometheus-api.js';
import { compare } from './threshold.js';

/** An instant query; passes when every sample meets `expect` (or, without it, when there is a sample). */
export async function runPrometheusCheck(check: PrometheusCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const values = await promQuery(check.url, check.query, signal);
  const latencyMs = Math.round(performance.now() - started);
  const detail = { type: 'prometheus' as const, values };
  if (values.length === 0) return { ok: false, summary: 'no data', latencyMs, detail };
  const shown = values.slice(0, 3).map(formatValue).join(', ') + (values.length > 3 ? ` (+${values.length - 3})` : '');
  if (!check.expect) return { ok: true, summary: shown, latencyMs, detail };
  const { op, value } = check.expect;
  const ok = values.every((sample) => compare(sample, op, value));
  return { ok, summary: `${shown} (expected ${op} ${value})`, latencyMs, detail };
}

function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}
