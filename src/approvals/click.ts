import type { Permissions } from '../access/permissions.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Approvals, DecideOutcome } from './approvals.js';
import { clickRefusal } from './messages.js';

/**
 * One click on Approve or Reject, the same for every capability: the clicker's role is checked now (PermissionDenied
 * is the router's to show; withdrawing one's own request needs no role), the transition is atomic (one click ever
 * completes it), and every click is audited as `<capability>.approve|reject`. Returns the outcome and what to tell the
 * clicker when the click changed nothing.
 */
export async function approvalClick(
  deps: { approvals: Approvals; permissions: Permissions; audit: AuditLog; now: () => Date },
  input: {
    id: string;
    userId: string;
    decision: 'approve' | 'reject';
    requester: string;
    policyRole: string;
    /** `deploys`, `flags`: the audit action is `<capability>.<decision>`. */
    capability: string;
    target: string;
    /** What the request asks, for the audit entry. */
    detail?: string;
  },
): Promise<{ outcome: DecideOutcome | 'missing'; refusal: string | undefined; at: number }> {
  const action = `${input.capability}.${input.decision}`;
  if (input.decision === 'approve' || input.userId !== input.requester) {
    await deps.permissions.require({ userId: input.userId, role: input.policyRole, action, target: input.target });
  }
  const at = deps.now().getTime();
  const outcome = await deps.approvals.decide({ id: input.id, userId: input.userId, decision: input.decision, at });
  const refusal = clickRefusal(outcome);
  await deps.audit.append({
    actor: input.userId,
    action,
    target: input.target,
    outcome: refusal ? 'denied' : 'ok',
    detail: input.detail ? `${input.detail} (${outcome})` : outcome,
    at: new Date(at),
  });
  return { outcome, refusal, at };
}
