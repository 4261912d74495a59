import { runProcess } from '../../platform/process-runner.js';
import type { StepResult } from '../rules.js';
import type { StepAction } from '../run.js';
import type { StepContext } from './step-context.js';

/** `run`: the argv (no shell) through the platform's runner; exit code 0 is success, Cancel kills its process group. */
export async function runStep(action: Extract<StepAction, { kind: 'run' }>, ctx: StepContext): Promise<StepResult> {
  const result = await runProcess({
    argv: action.argv,
    env: action.env,
    timeoutMs: action.timeout,
    signal: ctx.signal,
    onOutput: ({ added }) => ctx.onOutput(added),
  });
  if (result.outcome === 'cancelled') {
    return { ok: false, detail: 'cancelled: its process group was killed', cancelled: true };
  }
  return { ok: result.ok, detail: result.detail };
}
