import { z } from 'zod';
import type { JobHandler } from '../platform/queue.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { pingReply } from './messages.js';

export const pingJob = z.object({
  responseUrl: z.url({ protocol: /^https?$/ }),
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  /** Slack's trigger_id of the command or click: a replayed request maps to the same job. */
  requestId: z.string().min(1).max(200),
});
export type PingJob = z.input<typeof pingJob>;

export const pingQueue = defineQueue<z.output<typeof pingJob>>({
  name: 'ping',
  schema: pingJob,
  jobId: (data) => `ping-${data.requestId}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/** Answers `/ops ping` from a worker, proving the path bot → Redis → worker → Slack. */
export function pingHandler(services: Pick<Services, 'outbox' | 'workerId'>): JobHandler<z.output<typeof pingJob>> {
  return {
    queue: pingQueue,
    async process(data, ctx) {
      const queueLatencyMs = Math.max(0, ctx.startedAt - ctx.enqueuedAt);
      const message = pingReply({ workerId: services.workerId, queueLatencyMs, attempt: ctx.attempt });
      // The answer replaces "Pinging the workers…" (or the clicked pong), as Slack does for a response_url post.
      await services.outbox.respond(
        data.responseUrl,
        { ...message, response_type: 'ephemeral', replace_original: true },
        // The job's id: a rerun of this job (a crash after the enqueue) answers once.
        { key: ctx.jobId },
      );
      return { workerId: services.workerId, queueLatencyMs };
    },
  };
}
