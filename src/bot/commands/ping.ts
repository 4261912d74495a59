import { section } from '../blocks/message.js';
import type { CommandContext } from './ops-command.js';

/**
 * Enqueues first, then acks: an acknowledged ping is in Redis. A worker answers through the response_url.
 * The trigger_id makes the job id, so a replayed request cannot enqueue a second job.
 */
export async function pingCommand(ctx: CommandContext<{ name: 'ping' }>): Promise<void> {
  const { payload } = ctx;
  await ctx.deps.queues.enqueuePing({ responseUrl: payload.response_url, userId: payload.user_id }, payload.trigger_id);
  await ctx.reply({ text: 'Pinging the workers…', blocks: [section(':hourglass_flowing_sand: Pinging the workers…')] });
}
