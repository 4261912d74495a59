import { textMessage } from '../platform/blocks.js';
import type { CommandContext } from '../platform/capability.js';
import { md } from '../platform/mrkdwn.js';
import type { SlackOutbox } from '../slack/outbox/outbox.js';
import { uploadFile } from '../slack/upload.js';
import type { FlagsContext } from './context.js';

/** `/ops flag export [<env>]`: the environment's flagd flag-definition file, uploaded to the channel. */
export function exportCommand(context: () => FlagsContext, outbox: SlackOutbox) {
  return async (ctx: CommandContext<{ environment?: string }>): Promise<void> => {
    const { desk } = context();
    const environment = desk.environmentOf(ctx.args.environment);
    await ctx.ackNow();
    const snapshot = await desk.store.snapshot(environment);
    await uploadFile(outbox, {
      channel: ctx.channelId,
      filename: `${environment}.flagd.json`,
      title: `Flags in ${environment} (revision ${snapshot.revision})`,
      content: `${JSON.stringify(snapshot.set, null, 2)}\n`,
      contentType: 'application/json',
    });
    await ctx.reply(textMessage(md`Uploaded the flagd file of ${environment} (revision ${snapshot.revision}).`));
  };
}
