import { z } from 'zod';
import { defineQueue } from '../../platform/queue.js';

/** A runbook's name, a service's and a channel's id, as the command's arguments give them (and the modal carries). */
export const runbookName = z.string().regex(/^[a-z][a-z0-9-]*$/);
export const serviceName = z.string().regex(/^[a-z][a-z0-9._-]*$/);
export const channelId = z.string().regex(/^[CGD][A-Z0-9]+$/);

export const startJob = z.object({
  /**
   * What names the request on its surface, so a retried or replayed one maps to the same job and the same run: the
   * trigger_id of a command or a button click, the view id of a parameters modal's submission.
   */
  requestId: z.string().min(1).max(200),
  /** From the signed payload: the worker checks this user's roles again before starting anything. */
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  /** Where the run's progress goes, and a refusal when there is no response_url. */
  channel: channelId,
  /** The outbox key of the message whose thread the run's progress goes in (an alert's, for its Run button). */
  threadKey: z.string().min(1).max(200).optional(),
  /**
   * Where a refusal found by the worker (another run holds the lock) is answered, ephemerally: a command's or a
   * button's. A modal submission has none: the refusal is an ephemeral message in `channel`.
   */
  responseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** What `runbook` names: an experiment, or (absent, as in jobs from before experiments started here) a runbook. */
  kind: z.enum(['runbook', 'experiment']).optional(),
  runbook: runbookName,
  service: serviceName.optional(),
  /** The parameters as the surface checked them (defaults filled in); the worker checks them again. */
  params: z.record(z.string(), z.string()),
  /**
   * The parameters modal's dry run: the worker tells the asker the plan, ephemerally, and runs nothing. (A command's
   * dry run is answered in its ack; a modal's ack can only close it or show errors, and a call to Slack before it would
   * hold it.)
   */
  dryRun: z.literal(true).optional(),
});
export type StartJob = z.output<typeof startJob>;

/**
 * Starts a run a user asked for (`/ops run`, the parameters modal, an alert's Run button, `/ops experiment`): the
 * surface only checks what is pure (arguments, parameters, roles) and acks, so a burst of runs never holds up other
 * acks behind their Redis round trips, and the lock, the record and the first post are written in one place. Rerun
 * freely: the run id is claimed per request, and starting a run that exists only finishes starting it.
 */
export const startQueue = defineQueue<StartJob>({
  name: 'runbooks-start',
  schema: startJob,
  jobId: (data) => `rb-start-${data.requestId}`,
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 500 },
  onStall: 'rerun',
  // A replayed start finds its request's run id claimed (for as long as a mark would be kept) and only finishes
  // starting that run: no id to remember, two round trips fewer in every `/ops run` ack.
  dedupeTtlSeconds: 0,
});
