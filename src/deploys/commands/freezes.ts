import { textMessage } from '../../platform/blocks.js';
import { subcommand, unchanged } from '../../platform/capability.js';
import { args, duration, identifier, rest } from '../../platform/grammar/index.js';
import { date, md } from '../../platform/mrkdwn.js';
import type { DeployDesk } from '../desk.js';

/** `/ops freeze` and `/ops unfreeze`: no deploys to an environment until the freeze ends. */
export function freezeCommands(desk: DeployDesk) {
  const { store } = desk;
  return [
    subcommand({
      name: 'freeze',
      summary: 'Freeze an environment: no deploys there for the duration (an admin may override).',
      grammar: args(
        identifier('environment', { example: 'production' }),
        duration('duration', { max: 30 * 86_400_000 }),
        rest('reason', { example: 'end-of-year freeze' }),
      ),
      example: 'freeze production 2h end-of-year freeze',
      role: 'admin',
      changes: true,
      auditTarget: (a) => a.environment,
      async run(ctx) {
        desk.deployedEnvironment(ctx.args.environment);
        const at = desk.services.now().getTime();
        await store.setFreeze(ctx.args.environment, {
          by: ctx.userId,
          reason: ctx.args.reason,
          at,
          until: at + ctx.args.duration,
        });
        await ctx.reply(
          textMessage(md`:snowflake: ${ctx.args.environment} is frozen until ${date(at + ctx.args.duration)}.`),
        );
      },
    }),
    subcommand({
      name: 'unfreeze',
      summary: 'End an environment’s freeze.',
      grammar: args(identifier('environment', { example: 'production' })),
      example: 'unfreeze production',
      role: 'admin',
      changes: true,
      auditTarget: (a) => a.environment,
      async run(ctx) {
        desk.deployedEnvironment(ctx.args.environment);
        if (!(await store.unfreeze(ctx.args.environment))) return unchanged(`${ctx.args.environment} was not frozen.`);
        return ctx.reply(textMessage(md`${ctx.args.environment} is no longer frozen.`));
      },
    }),
  ];
}
