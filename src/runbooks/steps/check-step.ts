import { runCheck } from '../../checks/run-check.js';
import type { StepResult } from '../rules.js';
import type { StepContext } from './step-context.js';

/**
 * `check`: runs a service's check (`<service>.<check>`) or all of them (`<service>`) once, now; any failing fails
 * the step. The results read as `/ops status` shows them.
 */
export async function checkStep(ref: string, ctx: StepContext): Promise<StepResult> {
  const [serviceName, checkName] = ref.split('.') as [string, string | undefined];
  const service = ctx.catalog.services[serviceName];
  if (!service) return { ok: false, detail: `there is no service ${serviceName}` };
  const names = checkName ? [checkName] : Object.keys(service.checks);
  if (names.length === 0) return { ok: false, detail: `${serviceName} has no checks` };
  const lines: string[] = [];
  let ok = true;
  for (const name of names) {
    const check = service.checks[name];
    if (!check) return { ok: false, detail: `${serviceName} has no check ${name}` };
    const result = await runCheck(check, { signal: ctx.signal, service: serviceName });
    if (ctx.signal.aborted) return { ok: false, detail: 'cancelled', cancelled: true };
    ok &&= result.ok;
    lines.push(`${serviceName}.${name} ${result.ok ? 'passed' : 'failed'}: ${result.summary}`);
  }
  return { ok, detail: lines.join('; ') };
}
