import { z } from 'zod';

/** Where a deploy is in its life; the last five are final. */
export const DEPLOY_STATUSES = [
  'awaiting-approval',
  'approved',
  'running',
  'verifying',
  'interrupted',
  'succeeded',
  'failed',
  'cancelled',
  'rejected',
  'expired',
] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

export const FINAL_STATUSES: readonly DeployStatus[] = ['succeeded', 'failed', 'cancelled', 'rejected', 'expired'];

/** One deploy (or rollback) as recorded: the history, the message and the job all read this. */
export const DeploySchema = z.object({
  id: z.string(),
  service: z.string(),
  environment: z.string(),
  version: z.string(),
  kind: z.enum(['deploy', 'rollback']),
  status: z.enum(DEPLOY_STATUSES),
  requester: z.string(),
  /** Where it was asked: the deploy's message is posted there. */
  channel: z.string(),
  /** Whether the environment's policy asked for approval. */
  needsApproval: z.boolean(),
  approvedBy: z.string().optional(),
  /** An admin deployed through a freeze: who and why. */
  override: z.object({ by: z.string(), reason: z.string() }).optional(),
  requestedAt: z.number(),
  approvedAt: z.number().optional(),
  startedAt: z.number().optional(),
  verifyingAt: z.number().optional(),
  finishedAt: z.number().optional(),
  /** True once the environment's verify checks passed after a successful run. */
  verified: z.boolean().default(false),
  /**
   * The environment has no verify checks: the deploy succeeded on the provider's word alone. Shown as "no
   * verification configured" (never as verified), yet good enough to roll back to and no change failure.
   */
  unverifiable: z.boolean().optional(),
  /** Why it failed, was cancelled or what verification said. */
  detail: z.string().optional(),
  /** When the deployed commit was made, as the provider reported it (a GitHub run's head commit): for lead time. */
  committedAt: z.number().optional(),
  /** The provider's link (a GitHub run, a deploy dashboard). */
  link: z.string().optional(),
  /** Who decided the final state when it was not the run itself (Mark failed, Cancel, Reject). */
  decidedBy: z.string().optional(),
  /** How many times Retry re-ran it after an interruption; part of the job id. */
  runs: z.number().default(0),
});
export type Deploy = z.output<typeof DeploySchema>;

export function isFinal(status: DeployStatus): boolean {
  return FINAL_STATUSES.includes(status);
}
