import type { Block } from '../platform/blocks.js';
import type { ApprovalPolicy, ApprovalRequest, ApprovalStatus } from './approvals.js';

/**
 * One kind of request that needs approval (a deploy, a production flag change, a runbook run), declared in a
 * capability's `approvals: [...]`. The platform turns it into two router actions, `<name>_approve` and
 * `<name>_reject`: the router checks the clicker's role from the request's policy at click time, dedupes, and writes
 * the audit entry (`<capability>.approve|reject`; a refused click is `denied` with what it did as the detail); the
 * requester can never approve; of any number of simultaneous clicks exactly one runs `onApproved`.
 */
export interface ApprovalGateDefinition {
  /** Names the buttons, `<name>_approve` and `<name>_reject` (deploys: `deploy`); unique across capabilities. */
  name: string;
  /** The audit target of a click, from the request id (`deploy#12`); default `<name>#<id>`. */
  auditTarget?(id: string): string;
  /** The click that completed the approval: runs once per request, however many clicks arrive at once. */
  onApproved(request: ApprovalRequest, approvedBy: string): Promise<void>;
  /** Someone holding the role (or the requester, withdrawing) rejected it. */
  onRejected?(request: ApprovalRequest, rejectedBy: string): Promise<void>;
  /** A click arrived after the request's time ran out; it is now expired. */
  onExpired?(request: ApprovalRequest): Promise<void>;
  /** After every click, whatever it did: redraw the request's message (`clickLines` shows each click). */
  onClick?(request: ApprovalRequest): Promise<void>;
}

/**
 * `services.approvals`: the requests of the capability's gates, kept under its own keys. Request ids are unique within
 * the capability (a capability with two gates gives their ids distinct prefixes).
 */
export interface ApprovalGates {
  /** Opens a request on the gate `gate`. `policy` comes from the capability's config: who, how many, how long. */
  open(gate: string, input: { id: string; requester: string; policy: ApprovalPolicy }): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Marks a pending request expired when its time has run out; the status after. */
  expireIfDue(id: string): Promise<ApprovalStatus | undefined>;
  /** Approve / Reject buttons of the gate `gate` for the request's message. */
  buttons(gate: string, id: string): Block;
}

/** The button ids of a gate. */
export const gateActionIds = (gate: string) => ({ approve: `${gate}_approve`, reject: `${gate}_reject` });
