import { textMessage } from '../../platform/blocks.js';
import { subcommand } from '../../platform/capability.js';
import { args, choice, optional, rest } from '../../platform/grammar/index.js';
import { code, md } from '../../platform/mrkdwn.js';
import { checkDescription, checkKey, defaultVariants, FLAG_TYPES } from '../rules.js';
import { FLAGS_ROLE, type FlagCommandKit, key } from './kit.js';

/** A flag's birth and retirement: create and archive. */
export function lifecycleCommands({ now, desk, card }: FlagCommandKit) {
  return {
    create: subcommand({
      name: 'flag create',
      summary: 'Create a flag (boolean unless a type is given), off in every environment.',
      grammar: args(key, optional(choice('type', FLAG_TYPES)), rest('description', { example: 'New checkout flow' })),
      example: 'flag create new-checkout New checkout flow',
      role: FLAGS_ROLE,
      changes: true,
      auditTarget: (a) => a.key,
      async run(ctx) {
        const type = ctx.args.type ?? 'boolean';
        desk().environmentOf(undefined);
        await desk().store.create({
          key: checkKey(ctx.args.key),
          type,
          description: checkDescription(ctx.args.description),
          owner: ctx.userId,
          createdAt: now(),
          variants: defaultVariants(type),
        });
        desk().counted('create');
        await ctx.reply(await card(ctx.args.key, `Created: off in every environment.`));
      },
    }),
    archive: subcommand({
      name: 'flag archive',
      summary: 'Archive a flag: it leaves every environment (SDKs get FLAG_NOT_FOUND); its history stays.',
      grammar: args(key),
      example: 'flag archive new-checkout',
      role: FLAGS_ROLE,
      changes: true,
      auditTarget: (a) => a.key,
      async run(ctx) {
        await desk().store.archive(ctx.args.key, ctx.userId, now());
        desk().counted('archive');
        await ctx.reply(textMessage(md`Archived ${code(ctx.args.key)}: SDKs now get FLAG_NOT_FOUND for it.`));
      },
    }),
  };
}
