import { z } from 'zod';
import type { Catalog } from '../config/catalog.js';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { type CheckJob, checkQueue } from './check-job.js';
import type { StatusContext } from './context.js';
import type { StatusStore } from './store.js';

export const requestJob = z.object({
  /** Slack's trigger_id of the command: a replayed command maps to the same request. */
  requestId: z.string().min(1).max(200),
  /** One service in detail; every service when absent. */
  service: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/)
    .optional(),
});

export const requestQueue = defineQueue<z.output<typeof requestJob>>({
  name: 'status-request',
  schema: requestJob,
  jobId: (data) => `status-${data.requestId}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 500 },
  // Enqueueing the checks again is harmless: each check job's id is once per request.
  onStall: 'rerun',
});

/** Enqueued this many at once: enough to keep Redis busy, few enough not to hold the event loop. */
const FAN_OUT_BATCH = 50;

/**
 * Reads what the request shows beside its checks (last deploys), then fans it out into check jobs (`fanOut`), so the
 * handler acks after a single enqueue however many checks there are, and the checks spread over every worker.
 */
export function requestHandler(
  services: Pick<Services, 'catalog' | 'jobs'>,
  store: StatusStore,
  readContext: (only?: string) => Promise<StatusContext>,
): JobHandler<z.output<typeof requestJob>> {
  return {
    queue: requestQueue,
    async process(data) {
      // Before the checks: every draw of the message shows the same last deploys.
      await store.setRequestContext(data.requestId, await readContext(data.service));
      const jobs = fanOut(services.catalog, data.requestId, data.service);
      for (let i = 0; i < jobs.length; i += FAN_OUT_BATCH) {
        await Promise.all(jobs.slice(i, i + FAN_OUT_BATCH).map((job) => services.jobs.enqueue(checkQueue, job)));
      }
      return { jobs: jobs.length };
    },
  };
}

/**
 * The request's check jobs. Every service: one job per service, its checks one after another (a job costs BullMQ
 * about 40 Redis commands and the fan-out 3 round trips, more than a check's own work; the slots stay as full, with
 * hundreds of services to spread). One service: one job per check, so its few checks run at once.
 */
export function fanOut(catalog: Catalog, requestId: string, only: string | undefined): CheckJob[] {
  return Object.entries(catalog.services)
    .filter(([service]) => only === undefined || service === only)
    .flatMap(([service, definition]): CheckJob[] => {
      const checks = Object.keys(definition.checks);
      if (checks.length === 0) return [];
      const request = { service, requestId, requestScope: only };
      return only === undefined ? [{ ...request, checks }] : checks.map((check) => ({ ...request, check }));
    });
}
