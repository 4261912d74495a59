import { formatDuration } from '../config/duration.js';
import type { Check } from './check-kinds.js';
import type { CheckResult } from './check-result.js';
import { runCommandCheck } from './command-check.js';
import { runHttpCheck } from './http-check.js';
import { runPrometheusCheck } from './prometheus-check.js';
import { runRedisCheck } from './redis-check.js';
import { runSloCheck } from './slo-check.js';
import { runTcpCheck } from './tcp-check.js';

export type { CheckResult } from './check-result.js';

/**
 * Runs one check within its `timeout`: the kind's runner gets an AbortSignal that fires at the timeout (or when
 * `signal`, e.g. a worker shutting down, aborts), and a run that outlives it is reported as timed out. Never throws:
 * every failure, however unexpected, is a failing result.
 */
export async function runCheck(
  check: Check,
  options: { signal?: AbortSignal; service?: string } = {},
): Promise<CheckResult> {
  const timeout = AbortSignal.timeout(check.timeout);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const result = await run(check, signal, options.service);
    if (timeout.aborted && !result.ok)
      return { ...result, summary: `timed out after ${formatDuration(check.timeout)}` };
    return result;
  } catch (error) {
    const summary = timeout.aborted
      ? `timed out after ${formatDuration(check.timeout)}`
      : error instanceof Error
        ? error.message
        : String(error);
    return {
      ok: false,
      summary,
      latencyMs: elapsed(),
      unreachable: true,
      detail: { type: check.type } as CheckResult['detail'],
    };
  }
}

function run(check: Check, signal: AbortSignal, service: string | undefined): Promise<CheckResult> {
  switch (check.type) {
    case 'http':
      return runHttpCheck(check, signal);
    case 'tcp':
      return runTcpCheck(check, signal);
    case 'redis':
      return runRedisCheck(check, signal);
    case 'command':
      return runCommandCheck(check, signal, service);
    case 'prometheus':
      return runPrometheusCheck(check, signal);
    case 'slo':
      return runSloCheck(check, signal);
  }
}
