import { helpMessage } from '../blocks/help-message.js';
import type { CommandContext } from './ops-command.js';

export async function helpCommand(ctx: CommandContext<{ name: 'help' }>): Promise<void> {
  await ctx.reply(helpMessage(ctx.deps.slashCommand));
}
