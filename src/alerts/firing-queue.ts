import { z } from 'zod';
import { defineQueue } from '../platform/queue.js';
import { AlertBatchSchema } from './schemas.js';

/** One firing: 30 days of dedupe outlasts any sensible repeat_interval, so a long firing never starts twice. */
const FIRING_KEPT_SECONDS = 30 * 86_400;

const firingJob = z.object({
  /** The group's id (a hash: safe in keys). */
  group: z.string().regex(/^[0-9a-f]{20}$/),
  epoch: z.int().min(1),
  /** Fires again within the flap window are firings of their own: 0 for the first in the epoch. */
  refire: z.int().min(0),
  source: AlertBatchSchema.shape.source,
  /** The runbook the group names (label or annotation `runbook`); ops.yml defines it. */
  runbook: z.string().min(1).max(200),
  /** The group's `service` label, as the webhook sent it (the consumer checks it against ops.yml). */
  service: z.string().max(300).optional(),
  /** Where the group's message is, and its outbox key: a run started from the firing posts in its thread. */
  channel: z.string().min(1).max(100),
  messageKey: z.string().min(1).max(200),
});
export type RunbookFiring = z.output<typeof firingJob>;

/**
 * "An alert group that names a runbook started firing": one job per firing — a new group, a group firing again
 * after it resolved — whatever number of identical deliveries announced it (the job id is the firing). Alerts declares
 * the queue, like its buttons' action ids; the runbooks capability declares its processor, so alerts never imports
 * what runs it.
 */
export const runbookFiringQueue = defineQueue<RunbookFiring>({
  name: 'alerts-runbook-firing',
  schema: firingJob,
  jobId: (data) => `firing-${data.group}-${data.epoch}-${data.refire}`,
  attempts: 10,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
  dedupeTtlSeconds: FIRING_KEPT_SECONDS,
});
