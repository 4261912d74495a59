import { z } from 'zod';
import { textMessage } from '../platform/blocks.js';
import type { CommandContext, JobHandler } from '../platform/capability.js';
import { md } from '../platform/mrkdwn.js';
import { defineQueue, type Enqueuer } from '../platform/queue.js';
import type { SlackOutbox } from '../slack/outbox/outbox.js';
import { uploadFile } from '../slack/upload.js';
import type { FlagsContext } from './context.js';

const exportJob = z.object({
  environment: z.string().min(1).max(64),
  channel: z.string().regex(/^[CGD][A-Z0-9]+$/),
  responseUrl: z.url({ protocol: /^https?$/ }),
  /** Slack's trigger_id of the command: a replayed request maps to the same job. */
  requestId: z.string().min(1).max(200),
});
type ExportJob = z.output<typeof exportJob>;

const exportQueue = defineQueue<ExportJob>({
  name: 'flag-export',
  schema: exportJob,
  jobId: (data) => `flag-export-${data.requestId}`,
  attempts: 3,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/**
 * `/ops flag export [<env>]`: the environment's flagd flag-definition file, uploaded to the channel. The upload is
 * three Slack calls and a file transfer, so the command only checks the environment and enqueues; a worker uploads.
 */
export function exportCommand(context: () => FlagsContext, jobs: Enqueuer) {
  return async (ctx: CommandContext<{ environment?: string }>): Promise<void> => {
    const environment = context().desk.environmentOf(ctx.args.environment);
    await jobs.enqueue(
      exportQueue,
      { environment, channel: ctx.channelId, responseUrl: ctx.responseUrl, requestId: ctx.triggerId },
      { withinAck: true },
    );
    await ctx.reply(textMessage(md`Exporting the flagd file of ${environment}…`));
  };
}

/** The worker's side of `/ops flag export`: reads the environment's flag set and uploads it. */
export function exportJobHandler(context: () => FlagsContext, outbox: SlackOutbox): JobHandler<ExportJob> {
  return {
    queue: exportQueue,
    async process(data, ctx) {
      const snapshot = await context().desk.store.snapshot(data.environment);
      await uploadFile(outbox, {
        channel: data.channel,
        filename: `${data.environment}.flagd.json`,
        title: `Flags in ${data.environment} (revision ${snapshot.revision})`,
        content: `${JSON.stringify(snapshot.set, null, 2)}\n`,
        contentType: 'application/json',
      });
      const done = textMessage(md`Uploaded the flagd file of ${data.environment} (revision ${snapshot.revision}).`);
      await outbox.respond(data.responseUrl, { ...done, response_type: 'ephemeral' }, { key: ctx.jobId });
      return { revision: snapshot.revision };
    },
  };
}
