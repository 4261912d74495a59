import type { StepResult } from '../rules.js';
import type { StepAction } from '../run.js';
import { runProcess } from './process.js';
import type { StepContext } from './step-context.js';

/** `run`: the argv (no shell); exit code 0 is success, the timeout and Cancel kill its process group. */
export async function runStep(action: Extract<StepAction, { kind: 'run' }>, ctx: StepContext): Promise<StepResult> {
  const outcome = await runProcess({
    argv: action.argv,
    env: action.env,
    timeoutMs: action.timeout,
    signal: ctx.signal,
    onOutput: ctx.onOutput,
  });
  if (outcome.stopped === 'cancelled')
    return { ok: false, detail: 'cancelled: its process group was killed', cancelled: true };
  if (outcome.stopped) return { ok: false, detail: outcome.stopped };
  return outcome.exitCode === 0
    ? { ok: true, detail: 'exit code 0' }
    : { ok: false, detail: outcome.exitCode === null ? 'killed by a signal' : `exit code ${outcome.exitCode}` };
}
