import { textMessage } from '../platform/blocks.js';
import { type CommandContext, type Subcommand, subcommand } from '../platform/capability.js';
import { args, choice, duration, identifier, keyword, optional, percent, rest } from '../platform/grammar/index.js';
import { code, md } from '../platform/mrkdwn.js';
import type { Services } from '../platform/services.js';
import type { FlagsContext } from './context.js';
import { flagCard, historyMessage, listMessage } from './messages.js';
import {
  checkDescription,
  checkKey,
  defaultVariants,
  FLAG_TYPES,
  type FlagOperation,
  FlagRefused,
  isStale,
} from './rules.js';

const key = identifier('key', { description: 'The flag’s key, as SDKs ask for it', example: 'new-checkout' });
const environment = identifier('environment', { description: 'A flag environment from ops.yml', example: 'staging' });
const inEnvironment = optional(keyword('in', environment));

type CommandServices = Pick<Services, 'now' | 'slashCommand'>;

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

/** `/ops flag …`: every command family of the flags capability. Roles come from `flags.role`. */
export function flagCommands(
  context: () => FlagsContext,
  services: CommandServices,
  exportFile: (ctx: CommandContext<{ environment?: string }>) => Promise<void>,
): Subcommand<never>[] {
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

  const card = async (flag: string, note?: string) => {
    const definition = await desk().store.definition(flag);
    if (!definition) throw new FlagRefused(`No flag \`${flag}\`: \`/ops flag list\` shows them.`);
    return flagCard(definition, await desk().store.statesOf(flag), {
      approvalEnvironments: Object.keys(desk().settings.approval),
      note,
    });
  };

  const commands = [
    subcommand({
      name: 'flag list',
      summary: 'Flags and their state in each environment (those matching the words, if any).',
      grammar: args(optional(rest('search', { example: 'checkout' }))),
      changes: false,
      async run(ctx) {
        await ctx.reply(listMessage(await rows(ctx.args.search), 'Flags'));
      },
    }),
    subcommand({
      name: 'flag',
      summary: 'A flag’s card: each environment’s state, Turn on / Turn off and a rollout select.',
      grammar: args(key),
      example: 'flag new-checkout',
      changes: false,
      async run(ctx) {
        await ctx.reply(await card(ctx.args.key));
      },
    }),
    subcommand({
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
    ...(['on', 'off'] as const).map((op) =>
      subcommand({
        name: `flag ${op}`,
        summary: op === 'on' ? 'Turn a flag on (in the first environment unless `in` says).' : 'Turn a flag off.',
        grammar: args(key, inEnvironment),
        example: `flag ${op} new-checkout in staging`,
        role: FLAGS_ROLE,
        changes: true,
        auditTarget: (a) => `${a.key}/${a.environment ?? ''}`,
        run: (ctx) => change(ctx, { op }),
      }),
    ),
    subcommand({
      name: 'flag rollout',
      summary:
        'Serve a flag to a percentage of targeting keys (sticky); `5% to 100% over 2h [guard <service>]` raises it in steps and halts on the service’s failing checks or alerts.',
      grammar: args(
        key,
        percent('percent'),
        optional(keyword('to', percent('target'))),
        optional(keyword('over', duration('over', { min: 60_000, max: 30 * 86_400_000 }))),
        inEnvironment,
        optional(keyword('guard', identifier('service', { example: 'api' }))),
      ),
      example: 'flag rollout new-checkout 5% to 100% over 2h in production guard api',
      role: FLAGS_ROLE,
      changes: true,
      auditTarget: (a) => `${a.key}/${a.environment ?? ''}`,
      async run(ctx) {
        const { target, over, service } = ctx.args;
        if (target === undefined) {
          if (over !== undefined || service !== undefined)
            throw new FlagRefused('`over` and `guard` go with `to <n>%`: `5% to 100% over 2h`.');
          return change(ctx, { op: 'rollout', percent: ctx.args.percent });
        }
        if (over === undefined)
          throw new FlagRefused('A progressive rollout needs `over <duration>`: `5% to 100% over 2h`.');
        const env = desk().environmentOf(ctx.args.environment);
        await context().rollouts.start({
          key: ctx.args.key,
          environment: env,
          from: ctx.args.percent,
          to: target,
          overMs: over,
          guard: service,
          userId: ctx.userId,
          channel: ctx.channelId,
        });
        await ctx.reply(
          textMessage(
            md`:rocket: Progressive rollout of ${code(ctx.args.key)} in ${env} started: its steps are posted in this channel.`,
          ),
        );
      },
    }),
    subcommand({
      name: 'flag target',
      summary: 'Serve a flag to (or stop serving it to) these targeting keys, whatever the rollout.',
      grammar: args(
        key,
        choice('action', ['add', 'remove'] as const),
        inEnvironment,
        rest('ids', { example: 'user-42 user-43' }),
      ),
      example: 'flag target new-checkout add user-42 in staging',
      role: FLAGS_ROLE,
      changes: true,
      auditTarget: (a) => `${a.key}/${a.environment ?? ''}`,
      run: (ctx) =>
        change(ctx, { op: 'target', action: ctx.args.action, ids: ctx.args.ids.split(/\s+/).filter(Boolean) }),
    }),
    subcommand({
      name: 'flag history',
      summary: 'Every change of a flag: who, when, before → after, and who approved it.',
      grammar: args(key),
      example: 'flag history new-checkout',
      changes: false,
      async run(ctx) {
        await ctx.reply(historyMessage(ctx.args.key, await desk().store.history(ctx.args.key, 30)));
      },
    }),
    subcommand({
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
    subcommand({
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
    subcommand({
      name: 'flag export',
      summary: 'Upload an environment’s flags as a flagd flag-definition file to this channel.',
      grammar: args(optional(environment)),
      example: 'flag export staging',
      changes: false,
      run: exportFile,
    }),
  ];
  return withFlagsRole(commands, context) as unknown as Subcommand<never>[];
}
