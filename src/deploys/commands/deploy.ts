import { subcommand } from '../../platform/capability.js';
import { args, keyword, optional, text } from '../../platform/grammar/index.js';
import type { Services } from '../../platform/services.js';
import { DeployDesk, DeployRefused } from '../desk.js';
import { environment, service, version } from './args.js';

/** `/ops deploy` and `/ops rollback`: a request, approved under the environment's policy, then run by a job. */
export function deployCommands(desk: DeployDesk, services: Pick<Services, 'permissions' | 'audit' | 'now'>) {
  return [
    subcommand({
      name: 'deploy',
      summary: 'Deploy a version of a service (to its first environment unless `to` says).',
      grammar: args(
        service,
        version,
        optional(keyword('to', environment)),
        optional(keyword('override', text('reason', { description: 'Admins only: deploy through a freeze' }))),
      ),
      example: 'deploy api 1.4.2 to production',
      role: 'deployer',
      changes: true,
      auditTarget: (a) => `${a.service}/${a.environment ?? ''}@${a.version}`,
      async run(ctx) {
        const { args: a } = ctx;
        if (a.reason !== undefined && !(await services.permissions.holds(ctx.userId, 'admin'))) {
          throw new DeployRefused('Only an *admin* may override a freeze.');
        }
        const deploy = await desk.request(
          {
            service: a.service,
            environment: a.environment,
            version: a.version,
            kind: 'deploy',
            userId: ctx.userId,
            channel: ctx.channelId,
            overrideReason: a.reason,
          },
          { withinAck: true },
        );
        if (a.reason !== undefined) {
          await services.audit.append({
            actor: ctx.userId,
            action: 'deploys.freeze-override',
            target: `${deploy.service}/${deploy.environment}#${deploy.id}`,
            outcome: 'ok',
            detail: a.reason,
            at: services.now(),
          });
        }
        await ctx.reply(DeployDesk.requested(deploy));
      },
    }),
    subcommand({
      name: 'rollback',
      summary: 'Roll back to the last good version before the current one (or to the version given).',
      grammar: args(service, optional(environment), optional(keyword('to', version))),
      example: 'rollback api production',
      role: 'deployer',
      changes: true,
      auditTarget: (a) => `${a.service}/${a.environment ?? ''}`,
      async run(ctx) {
        const deploy = await desk.rollback(
          { ...ctx.args, userId: ctx.userId, channel: ctx.channelId },
          { withinAck: true },
        );
        await ctx.reply(DeployDesk.requested(deploy));
      },
    }),
  ];
}
