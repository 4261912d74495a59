import { z } from 'zod';
import { defineQueue } from '../../platform/queue.js';

/** A runbook's name, a service's and a channel's id, as the command's arguments give them (and the modal carries). */
export const runbookName = z.string().regex(/^[a-z][a-z0-9-]*$/);
export const serviceName = z.string().regex(/^[a-z][a-z0-9._-]*$/);
export const channelId = z.string().regex(/^[CGD][A-Z0-9]+$/);

export const startJob = z.object({
  /** Slack's trigger_id of the command: a retried or replayed `/ops run` maps to the same job and the same run. */
  requestId: z.string().min(1).max(200),
  /** From the signed command payload: the worker checks this user's roles again before starting anything. */
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  channel: channelId,
  /** Where a refusal found by the worker (another run holds the lock) is answered, ephemerally. */
  responseUrl: z.url({ protocol: /^https?$/ }),
  runbook: runbookName,
  service: serviceName.optional(),
  /** The parameters as the command checked them (defaults filled in); the worker checks them again. */
  params: z.record(z.string(), z.string()),
});
export type StartJob = z.output<typeof startJob>;

/**
 * Starts a run a user asked for with `/ops run`: the command only checks what is pure (arguments, parameters, roles)
 * and acks, so a burst of runs never holds up other commands' acks behind their Redis round trips. Rerun freely: the
 * run id is claimed per request, and starting a run that exists only finishes starting it.
 */
export const startQueue = defineQueue<StartJob>({
  name: 'runbooks-start',
  schema: startJob,
  jobId: (data) => `rb-start-${data.requestId}`,
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 500 },
  onStall: 'rerun',
});
