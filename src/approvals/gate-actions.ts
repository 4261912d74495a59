import { Refused } from '../errors.js';
import type { Action, ActionContext } from '../platform/capability.js';
import type { RedisCommands } from '../redis/connections.js';
import { Approvals } from './approvals.js';
import { type ApprovalGateDefinition, type ApprovalGates, gateActionIds } from './gate.js';
import { approvalButtons, clickRefusal } from './messages.js';

/** A click the gate refused (own request, already decided, expired): shown to the clicker, audited as `denied`. */
export class ApprovalRefused extends Refused {
  constructor(
    message: string,
    /** What the click did (`self`, `again`, `expired`, `closed`, `missing`): the audit entry's detail. */
    readonly outcome: string,
  ) {
    super(message, outcome);
    this.name = 'ApprovalRefused';
  }
}

export interface GateDeps {
  /** The owning capability: its name prefixes the audit actions. */
  capability: string;
  redis: RedisCommands;
  /** The capability's key builder: requests live under its keys. */
  key: (...parts: string[]) => string;
  now(): Date;
}

/** `services.approvals` for one capability. */
export function approvalGates(deps: GateDeps): ApprovalGates {
  const store = new Approvals(deps.redis, deps.key);
  const at = () => deps.now().getTime();
  return {
    open: (_gate, input) => store.create({ ...input, at: at() }),
    get: (id) => store.get(id),
    expireIfDue: (id) => store.expireIfDue(id, at()),
    buttons: (gate, id) => approvalButtons(gateActionIds(gate), id),
  };
}

/**
 * The Approve and Reject actions of a declared gate. Its role comes from the request's policy when clicked (rejecting
 * one's own request needs none); the Lua transition decides which single click completes it.
 */
export function gateActions(definition: ApprovalGateDefinition, deps: GateDeps): Action[] {
  const store = new Approvals(deps.redis, deps.key);
  const ids = gateActionIds(definition.name);
  async function decide(ctx: ActionContext, decision: 'approve' | 'reject'): Promise<void> {
    if (!ctx.value) return;
    const outcome = await store.decide({ id: ctx.value, userId: ctx.userId, decision, at: deps.now().getTime() });
    const request = await store.get(ctx.value);
    if (outcome === 'missing' || !request) throw new ApprovalRefused(clickRefusal('missing')!, 'missing');
    if (outcome === 'approved') await definition.onApproved(request, ctx.userId);
    else if (outcome === 'rejected') await definition.onRejected?.(request, ctx.userId);
    else if (outcome === 'expired') await definition.onExpired?.(request);
    await definition.onClick?.(request);
    const refusal = clickRefusal(outcome);
    if (refusal) throw new ApprovalRefused(refusal, outcome);
  }
  return (['approve', 'reject'] as const).map((decision) => ({
    actionId: ids[decision],
    changes: true,
    auditAction: `${deps.capability}.${decision}`,
    auditTarget: (value) => definition.auditTarget?.(value ?? '') ?? `${definition.name}#${value}`,
    async roleFor({ value, userId }) {
      const request = value ? await store.get(value) : undefined;
      if (!request || (decision === 'reject' && userId === request.requester)) return undefined;
      return request.policy.from;
    },
    run: (ctx) => decide(ctx, decision),
  }));
}
