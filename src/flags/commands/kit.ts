import { textMessage } from '../../platform/blocks.js';
import type { CommandContext } from '../../platform/capability.js';
import { identifier, keyword, optional } from '../../platform/grammar/index.js';
import { md } from '../../platform/mrkdwn.js';
import type { Services } from '../../platform/services.js';
import type { FlagsContext } from '../context.js';
import { flagCard } from '../messages.js';
import { type FlagOperation, FlagRefused } from '../rules.js';

export const key = identifier('key', { description: 'The flag’s key, as SDKs ask for it', example: 'new-checkout' });
export const environment = identifier('environment', {
  description: 'A flag environment from ops.yml',
  example: 'staging',
});
export const inEnvironment = optional(keyword('in', environment));

export type CommandServices = Pick<Services, 'now' | 'slashCommand'>;

/** Stands for ops.yml's `flags.role` in a declaration; `withFlagsRole` makes it read the catalog when asked. */
export const FLAGS_ROLE = 'flags.role';

/**
 * Declarations whose role is `flags.role` read it when the router (or help) asks, not at build time: help and the
 * manifest are built from declarations alone, without ops.yml.
 */
export function withFlagsRole<T extends { role?: string }>(declarations: T[], context: () => FlagsContext): T[] {
  for (const declaration of declarations) {
    if (declaration.role !== FLAGS_ROLE) continue;
    Object.defineProperty(declaration, 'role', { get: () => context().settings.role, enumerable: true });
  }
  return declarations;
}

/** What every flag command family uses: the desk, the clock, the flag list, a flag's card and a change's answer. */
export function flagCommandKit(context: () => FlagsContext, services: CommandServices) {
  const now = () => services.now().getTime();
  const desk = () => context().desk;

  const rows = async (search?: string) => {
    const words = (search ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const definitions = (await desk().store.definitions()).filter(
      (d) => d.archivedAt === undefined && words.every((w) => `${d.key} ${d.description}`.toLowerCase().includes(w)),
    );
    return Promise.all(
      definitions.map(async (definition) => ({ definition, states: await desk().store.statesOf(definition.key) })),
    );
  };

  const card = async (flag: string, note?: string) => {
    const definition = await desk().store.definition(flag);
    if (!definition) throw new FlagRefused(`No flag \`${flag}\`: \`/ops flag list\` shows them.`);
    return flagCard(definition, await desk().store.statesOf(flag), {
      approvalEnvironments: Object.keys(desk().settings.approval),
      note,
    });
  };

  /** Answers a change: applied (with the card) or waiting for approval. */
  const change = async (ctx: CommandContext<{ key: string; environment?: string }>, operation: FlagOperation) => {
    const env = desk().environmentOf(ctx.args.environment);
    const outcome = await desk().request({
      key: ctx.args.key,
      environment: env,
      operation,
      userId: ctx.userId,
      channel: ctx.channelId,
    });
    if (!outcome.applied) {
      await ctx.reply(textMessage(md`:hourglass: ${env} needs approval: the request is posted in this channel.`));
      return;
    }
    await ctx.reply(await card(ctx.args.key));
  };

  return { context, now, desk, rows, card, change };
}

export type FlagCommandKit = ReturnType<typeof flagCommandKit>;
