import { textMessage } from '../../platform/blocks.js';
import { subcommand, unchanged } from '../../platform/capability.js';
import { args, rest } from '../../platform/grammar/index.js';
import { code, md, mention, said } from '../../platform/mrkdwn.js';
import { type DeployDesk, DeployRefused } from '../desk.js';
import { environment, service } from './args.js';

/** `/ops lock` and `/ops unlock`: only the locker may deploy to a locked service's environment. */
export function lockCommands(desk: DeployDesk) {
  const { store } = desk;
  return [
    subcommand({
      name: 'lock',
      summary: 'Lock a service’s environment: nobody else may deploy there until it is unlocked.',
      grammar: args(service, environment, rest('reason', { example: 'migrating the database' })),
      example: 'lock api production migrating the database',
      role: 'deployer',
      changes: true,
      auditTarget: (a) => `${a.service}/${a.environment}`,
      async run(ctx) {
        const env = desk.environmentOf(ctx.args.service, ctx.args.environment);
        const held = await store.getLock(ctx.args.service, env);
        if (held && held.by !== ctx.userId) {
          throw new DeployRefused(
            md`${ctx.args.service}/${env} is already locked by ${mention(held.by)}: ${said(held.reason)}.`,
          );
        }
        await store.setLock(ctx.args.service, env, {
          by: ctx.userId,
          reason: ctx.args.reason,
          at: desk.services.now().getTime(),
        });
        await ctx.reply(
          textMessage(
            md`:lock: Locked ${ctx.args.service}/${env}: only you may deploy there until ${code(`/ops unlock ${ctx.args.service} ${env}`)}.`,
          ),
        );
      },
    }),
    subcommand({
      name: 'unlock',
      summary: 'Unlock a service’s environment.',
      grammar: args(service, environment),
      example: 'unlock api production',
      role: 'deployer',
      changes: true,
      auditTarget: (a) => `${a.service}/${a.environment}`,
      async run(ctx) {
        const env = desk.environmentOf(ctx.args.service, ctx.args.environment);
        if (!(await store.unlock(ctx.args.service, env)))
          return unchanged(`${ctx.args.service}/${env} was not locked.`);
        return ctx.reply(textMessage(md`:unlock: Unlocked ${ctx.args.service}/${env}.`));
      },
    }),
  ];
}
