import { randomUUID } from 'node:crypto';
import type { ApprovalPolicy, ApprovalRequest } from '../approvals/approvals.js';
import { type Mrkdwn, md, mention } from '../platform/mrkdwn.js';
import type { Services } from '../platform/services.js';
import type { FlagsSettings } from './config.js';
import { approvalMessage } from './messages.js';
import type { FlagMetrics } from './metrics.js';
import {
  applyOperation,
  describeOperation,
  type EnvironmentState,
  type FlagOperation,
  FlagRefused,
  initialState,
} from './rules.js';
import { type FlagChange, FlagStore } from './store.js';

export type DeskServices = Pick<Services, 'redis' | 'key' | 'outbox' | 'audit' | 'approvals' | 'now'>;

/** The approval gate of flag changes: its buttons are `flag_approve` / `flag_reject`. */
export const APPROVAL_GATE = 'flag';

/** A change asked for in an environment that needs approval, kept until it is decided. */
interface PendingChange {
  key: string;
  environment: string;
  operation: FlagOperation;
  requester: string;
  channel: string;
}

export type ChangeOutcome =
  | { applied: true; before: EnvironmentState; after: EnvironmentState }
  | { applied: false; approvalId: string };

const PENDING_KEPT_SECONDS = 8 * 86_400;

/** A change that is allowed (checked, approved where it had to be), as it is recorded. */
export interface AppliedChange {
  key: string;
  environment: string;
  operation: FlagOperation;
  by: string;
  extra?: Pick<FlagChange, 'approval' | 'reason'>;
}

/**
 * Applies an allowed change: stored with its history (every replica's evaluator hears of it), counted. The desk's
 * changes and a runbook's `flag` step (flags' `api.ts`) both end here.
 * @throws FlagRefused when the change is not valid for the flag
 */
export async function applyChange(
  store: FlagStore,
  metrics: FlagMetrics,
  input: AppliedChange,
  at: number,
): Promise<{ before: EnvironmentState; after: EnvironmentState }> {
  const result = await store.change({
    key: input.key,
    environment: input.environment,
    operation: input.operation,
    by: input.by,
    at,
    what: describeOperation(input.operation, 'done'),
    extra: input.extra,
  });
  metrics.changes.inc({ environment: input.environment, operation: input.operation.op });
  return result;
}

/**
 * Every change of a flag goes through here — commands, card buttons, approvals and rollout steps — so each is
 * checked, gated by `flags.approval`, stored with its history, counted and audited the same way.
 */
export class FlagDesk {
  readonly store: FlagStore;
  readonly environments: string[];

  constructor(
    private readonly services: DeskServices,
    readonly settings: FlagsSettings,
    private readonly metrics: FlagMetrics,
  ) {
    this.environments = Object.keys(settings.environments);
    this.store = new FlagStore(services.redis, services.key, this.environments);
  }

  /** The environment named, or the first one; refuses one ops.yml does not define. */
  environmentOf(name: string | undefined): string {
    if (this.environments.length === 0) {
      throw new FlagRefused('Flags are not set up: add `flags.environments` to ops.yml (see ops.example.yml).');
    }
    if (name === undefined) return this.environments[0]!;
    if (!this.environments.includes(name)) {
      throw new FlagRefused(`\`${name}\` is not a flag environment (${this.environments.join(', ')}).`);
    }
    return name;
  }

  policyOf(environment: string): ApprovalPolicy | undefined {
    const approval = this.settings.approval[environment];
    return approval && { from: approval.from, count: approval.count, expiresInMs: approval.expiresIn };
  }

  /**
   * Applies a change now, or — where `flags.approval` says so — asks for approval in `channel` and applies it once
   * approved. Invalid changes are refused before anything is stored.
   */
  async request(input: {
    key: string;
    environment: string;
    operation: FlagOperation;
    userId: string;
    channel: string;
  }): Promise<ChangeOutcome> {
    const definition = await this.store.definition(input.key);
    if (!definition || definition.archivedAt !== undefined)
      throw new FlagRefused(`No flag \`${input.key}\`: \`/ops flag list\` shows them.`);
    const now = this.services.now().getTime();
    // Dry run: a change that would be refused is refused now, not after someone approved it.
    const current = (await this.store.statesOf(input.key))[input.environment] ?? initialState(now, input.userId);
    applyOperation(current, input.operation, now, input.userId);
    const policy = this.policyOf(input.environment);
    if (!policy) return { applied: true, ...(await this.apply({ ...input, by: input.userId })) };

    const id = randomUUID().slice(0, 12);
    const pending: PendingChange = {
      key: input.key,
      environment: input.environment,
      operation: input.operation,
      requester: input.userId,
      channel: input.channel,
    };
    await this.services.redis.set(
      this.services.key('pending', id),
      JSON.stringify(pending),
      'EX',
      PENDING_KEPT_SECONDS,
    );
    const approval = await this.services.approvals.open(APPROVAL_GATE, { id, requester: input.userId, policy });
    await this.services.outbox.post({
      key: `flags-approval-${id}`,
      channel: input.channel,
      message: approvalMessage(pending, approval, this.services.approvals.buttons(APPROVAL_GATE, id)),
    });
    return { applied: false, approvalId: id };
  }

  /** Applies a change (already allowed), records and counts it. */
  apply(input: AppliedChange): Promise<{ before: EnvironmentState; after: EnvironmentState }> {
    return applyChange(this.store, this.metrics, input, this.services.now().getTime());
  }

  /** Counts a change that touches every environment (create, archive). */
  counted(operation: 'create' | 'archive'): void {
    for (const environment of this.environments) this.metrics.changes.inc({ environment, operation });
  }

  /** The pending change an approval request is for. */
  async pending(id: string): Promise<PendingChange | undefined> {
    const json = await this.services.redis.get(this.services.key('pending', id));
    return json ? (JSON.parse(json) as PendingChange) : undefined;
  }

  /** The click that completed the approval (the platform's gate lets exactly one through): the change is applied. */
  async approved(request: ApprovalRequest, approvedBy: string): Promise<void> {
    const pending = await this.pending(request.id);
    if (!pending) return;
    let result: Mrkdwn;
    try {
      await this.apply({ ...pending, by: pending.requester, extra: { approval: { id: request.id, approvedBy } } });
      result = md`Approved by ${mention(approvedBy)} and applied.`;
    } catch (error) {
      if (!(error instanceof FlagRefused)) throw error;
      result = md`Approved by ${mention(approvedBy)}, but not applied: ${error.markdown}`;
    }
    await this.services.audit.append({
      actor: pending.requester,
      action: 'flags.change',
      target: `${pending.key}/${pending.environment}`,
      outcome: 'ok',
      detail: `${describeOperation(pending.operation, 'asked')}, approved by ${approvedBy}`,
      at: this.services.now(),
    });
    await this.redraw(request.id, result);
  }

  /** Redraws the approval request's message from what is stored now. */
  async redraw(id: string, outcome?: Mrkdwn): Promise<void> {
    const [pending, approval] = await Promise.all([this.pending(id), this.services.approvals.get(id)]);
    if (!pending || !approval) return;
    const buttons = this.services.approvals.buttons(APPROVAL_GATE, id);
    await this.services.outbox.update({
      key: `flags-approval-${id}`,
      message: approvalMessage(pending, approval, buttons, outcome),
    });
  }
}
