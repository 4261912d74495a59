import { textMessage } from '../../platform/blocks.js';
import { subcommand } from '../../platform/capability.js';
import { args, choice, duration, identifier, keyword, optional, percent, rest } from '../../platform/grammar/index.js';
import { code, md } from '../../platform/mrkdwn.js';
import { FlagRefused } from '../rules.js';
import { FLAGS_ROLE, type FlagCommandKit, inEnvironment, key } from './kit.js';

/** The commands that change what a flag serves: on / off, rollouts (fixed or progressive) and targeting. */
export function changeCommands({ context, desk, change }: FlagCommandKit) {
  return {
    onOff: (['on', 'off'] as const).map((op) =>
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
    rollout: subcommand({
      name: 'flag rollout',
      summary:
        'Serve a flag to a percentage of targeting keys (sticky); `5% to 100% over 2h [guard <service>]` raises it in steps and halts on the service’s failing checks or alerts.',
      grammar: args(
        key,
        percent('percent'),
        optional(keyword('to', percent('target'))),
        optional(keyword('over', duration('duration', { min: 60_000, max: 30 * 86_400_000 }))),
        inEnvironment,
        optional(keyword('guard', identifier('service', { example: 'api' }))),
      ),
      example: 'flag rollout new-checkout 5% to 100% over 2h in production guard api',
      role: FLAGS_ROLE,
      changes: true,
      auditTarget: (a) => `${a.key}/${a.environment ?? ''}`,
      async run(ctx) {
        const { target, duration: over, service } = ctx.args;
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
    target: subcommand({
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
  };
}
