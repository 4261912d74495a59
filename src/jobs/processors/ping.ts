import type { Processor } from 'bullmq';
import { pingReply } from '../../bot/blocks/ping-reply.js';
import type { SlackOutbox } from '../../slack/outbox.js';
import { pingJob } from '../payloads.js';
import { parseJobData } from './parse.js';

/** Answers `/ops ping` from a worker, proving the path bot → Redis → worker → Slack. */
export function pingProcessor(deps: { outbox: SlackOutbox; workerId: string; now?: () => number }): Processor {
  const now = deps.now ?? Date.now;
  return async (job, _token, signal) => {
    const data = parseJobData(pingJob, job.data);
    const queueLatencyMs = Math.max(0, (job.processedOn ?? now()) - job.timestamp);
    const message = pingReply({ workerId: deps.workerId, queueLatencyMs, attempt: job.attemptsStarted });
    await deps.outbox.respond(
      data.responseUrl,
      { ...message, response_type: 'ephemeral', replace_original: true },
      signal,
    );
    return { workerId: deps.workerId, queueLatencyMs };
  };
}
