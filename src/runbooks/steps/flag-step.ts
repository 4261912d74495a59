import { PermissionDenied } from '../../errors.js';
import { FlagRefused, switchFlag } from '../../flags/api.js';
import { type DeskServices, gateId } from '../desk.js';
import type { StepResult } from '../rules.js';
import type { Run, StepAction } from '../run.js';

/**
 * `flag`: a kill switch, through flags' own rules (`switchFlag`): the flag must exist, the requester must hold
 * `flags.role` when they are a person (a run an alert started is Opsdeck's, allowed by ops.yml's `auto: true`), and
 * the change lands in the flag's history and the audit log as `/ops flag` would put it. The gate the plan put before
 * the step (the environment's `flags.approval`), or the runbook's own approval, is recorded as the change's approval.
 */
export async function flagStep(
  services: DeskServices,
  run: Run,
  index: number,
  action: Extract<StepAction, { kind: 'flag' }>,
): Promise<StepResult> {
  const approval = approvalBefore(run, index);
  try {
    const { before, after } = await switchFlag(services, {
      key: action.key,
      environment: action.environment,
      change: action.change,
      by: run.auto ? { system: run.requester } : { userId: run.requester },
      reason: `runbook ${run.name} #${run.id}`,
      ...(approval && { approval }),
    });
    return { ok: true, detail: `${action.key} in ${action.environment}: ${before} → ${after}` };
  } catch (error) {
    if (error instanceof FlagRefused) return { ok: false, detail: error.auditDetail };
    if (error instanceof PermissionDenied)
      return { ok: false, detail: `refused: changing flags needs the ${error.role} role, which the requester lacks` };
    throw error;
  }
}

/** The last gate approved before step `index` (the flag's own, else the runbook's): its request id and approver. */
function approvalBefore(run: Run, index: number): { id: string; approvedBy: string } | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const state = run.state[i]!;
    if (run.steps[i]!.action.kind === 'approve' && state.status === 'done' && state.by)
      return { id: gateId(run.id, i), approvedBy: state.by };
  }
  return undefined;
}
