import { type Block, button, context } from '../platform/blocks.js';
import { date, type Mrkdwn, md, mention } from '../platform/mrkdwn.js';
import type { ApprovalClick, ApprovalRequest, DecideOutcome } from './approvals.js';

/** Approve / Reject buttons for a request; each capability names its own action ids, the value is the request id. */
export function approvalButtons(actions: { approve: string; reject: string }, id: string): Block {
  return {
    type: 'actions',
    block_id: `approval-${id}`,
    elements: [button(actions.approve, 'Approve', id, 'primary'), button(actions.reject, 'Reject', id, 'danger')],
  };
}

const CLICK_SHOWN: Record<DecideOutcome, string> = {
  approved: 'approved',
  counted: 'approved',
  rejected: 'rejected',
  self: 'tried to approve their own request (refused)',
  again: 'approved again (ignored)',
  expired: 'clicked after the request expired (refused)',
  closed: 'clicked after it was decided (ignored)',
};

/** One line per click, for the request's message: every click is shown, refused ones included. */
export function clickLines(clicks: readonly ApprovalClick[]): Block[] {
  const lines = clicks
    .filter((click) => click.userId !== 'system')
    .slice(-10)
    .map((click) => md`${mention(click.userId)} ${CLICK_SHOWN[click.outcome]} at ${date(click.at, '{time_secs}')}`);
  return lines.length > 0 ? [context(...lines)] : [];
}

/** What the request waits for, in words: `Needs 1 approval from *approver* before 12:30 PM` (the reader's zone). */
export function waitingFor(request: ApprovalRequest): Mrkdwn {
  const left = request.policy.count - request.approvers.length;
  return md`Needs ${left} approval${left === 1 ? '' : 's'} from *${request.policy.from}* (not the requester) before ${date(request.expiresAt, '{time}')}`;
}

/** What to tell a clicker whose click changed nothing. */
export function clickRefusal(outcome: DecideOutcome | 'missing'): string | undefined {
  switch (outcome) {
    case 'self':
      return 'You cannot approve your own request: someone else holding the role must.';
    case 'again':
      return 'You already approved this request.';
    case 'expired':
      return 'This request has expired: ask again.';
    case 'closed':
      return 'This request was already decided.';
    case 'missing':
      return 'This request is no longer kept: ask again.';
    default:
      return undefined;
  }
}
