import type { StepResult } from '../rules.js';
import type { PlannedStep, StepState } from '../run.js';
import { activityStep } from './activity-step.js';
import { checkStep } from './check-step.js';
import { httpStep } from './http-step.js';
import { runStep } from './run-step.js';
import type { StepContext } from './step-context.js';
import { waitStep } from './wait-step.js';

export type { StepContext } from './step-context.js';

/**
 * Runs one step of a kind that does its work in the job (every kind but `approve`, which the engine turns into a gate).
 */
export async function executeStep(
  step: PlannedStep,
  state: StepState,
  now: number,
  ctx: StepContext,
): Promise<StepResult> {
  const { action } = step;
  switch (action.kind) {
    case 'run':
      return runStep(action, ctx);
    case 'http':
      return httpStep(action, ctx);
    case 'check':
      return checkStep(action.check, ctx);
    case 'wait':
      return waitStep(action.ms, state.startedAt ?? now, now, ctx);
    case 'say':
      await ctx.say(action.text);
      return { ok: true, detail: 'said' };
    case 'activity':
      return activityStep(action, ctx);
    case 'flag':
      return ctx.flag(action);
    case 'approve':
      throw new Error('approve steps are gates: the engine handles them');
  }
}
