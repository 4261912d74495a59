import { type CommandContext, subcommand } from '../../platform/capability.js';
import { args, optional, rest } from '../../platform/grammar/index.js';
import { historyMessage, listMessage } from '../messages.js';
import { isStale } from '../rules.js';
import { environment, type FlagCommandKit, key } from './kit.js';

/** The commands that only look: the list, a flag's card, its history, stale flags and the flagd export. */
export function browseCommands(
  { now, desk, rows, card }: FlagCommandKit,
  exportFile: (ctx: CommandContext<{ environment?: string }>) => Promise<void>,
) {
  return {
    list: subcommand({
      name: 'flag list',
      summary: 'Flags and their state in each environment (those matching the words, if any).',
      grammar: args(optional(rest('search', { example: 'checkout' }))),
      changes: false,
      async run(ctx) {
        await ctx.reply(listMessage(await rows(ctx.args.search), 'Flags'));
      },
    }),
    card: subcommand({
      name: 'flag',
      summary: 'A flag’s card: each environment’s state, Turn on / Turn off and a rollout select.',
      grammar: args(key),
      example: 'flag new-checkout',
      changes: false,
      async run(ctx) {
        await ctx.reply(await card(ctx.args.key));
      },
    }),
    history: subcommand({
      name: 'flag history',
      summary: 'Every change of a flag: who, when, before → after, and who approved it.',
      grammar: args(key),
      example: 'flag history new-checkout',
      changes: false,
      async run(ctx) {
        await ctx.reply(historyMessage(ctx.args.key, await desk().store.history(ctx.args.key, 30)));
      },
    }),
    stale: subcommand({
      name: 'flag stale',
      summary: 'Flags unchanged for `flags.staleAfter` at 0% or 100% (or off everywhere): candidates for removal.',
      grammar: args(),
      changes: false,
      async run(ctx) {
        const stale = (await rows()).filter(({ definition, states }) =>
          isStale(Object.values(states), definition.createdAt, now(), desk().settings.staleAfter),
        );
        await ctx.reply(listMessage(stale, 'Stale flags'));
      },
    }),
    export: subcommand({
      name: 'flag export',
      summary: 'Upload an environment’s flags as a flagd flag-definition file to this channel.',
      grammar: args(optional(environment)),
      example: 'flag export staging',
      changes: false,
      run: exportFile,
    }),
  };
}
