import { z } from 'zod';
import { defineQueue } from '../platform/queue.js';

export const deployRunJob = z.object({
  deployId: z.string().regex(/^\d{1,15}$/),
  /** 0 for the first run; Retry after an interruption runs it again under a new job id. */
  run: z.int().min(0).max(100),
});
export type DeployRunJob = z.output<typeof deployRunJob>;

/**
 * Runs one approved deploy. It must never run twice: a worker killed mid-deploy leaves the job interrupted, reported
 * with Retry / Mark failed / Rollback buttons, never rerun blindly; a single attempt, since a failed deploy is for a
 * human to look at.
 */
export const deployRunQueue = defineQueue<DeployRunJob>({
  name: 'deploys-run',
  schema: deployRunJob,
  jobId: (data) => `deploy-${data.deployId}-${data.run}`,
  attempts: 1,
  backoff: { type: 'fixed', delayMs: 1000 },
  onStall: 'interrupt',
});
