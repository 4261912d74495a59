import type { Processor } from 'bullmq';
import { pingReply } from '../../bot/blocks/ping-reply.js';
import type { SlackOutbox } from '../../slack/outbox/outbox.js';
import { pingJob } from '../payloads.js';
import { parseJobData } from './parse.js';

/**
 * Answers `/ops ping` from a worker, proving the path bot → Redis → worker → Slack. The reply goes through the outbox,
 * keyed by this job, so it is delivered once even through a Slack outage or a rerun of this job.
 */
export function pingProcessor(deps: {
  outbox: Pick<SlackOutbox, 'respond'>;
  workerId: string;
  now?: () => number;
}): Processor {
  const now = deps.now ?? Date.now;
  return async (job) => {
    const data = parseJobData(pingJob, job.data);
    const queueLatencyMs = Math.max(0, (job.processedOn ?? now()) - job.timestamp);
    const message = pingReply({ workerId: deps.workerId, queueLatencyMs, attempt: job.attemptsStarted });
    await deps.outbox.respond(
      data.responseUrl,
      { ...message, response_type: 'ephemeral', replace_original: data.replaceOriginal },
      { key: job.id ?? `ping-${job.timestamp}` },
    );
    return { workerId: deps.workerId, queueLatencyMs };
  };
}
