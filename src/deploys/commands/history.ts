import { subcommand } from '../../platform/capability.js';
import { args, optional } from '../../platform/grammar/index.js';
import type { DeployDesk } from '../desk.js';
import { readDora } from '../dora-read.js';
import { historyMessage } from '../messages.js';
import { environment, service } from './args.js';

/** `/ops deploys <service> [<env>]`: the latest deploys and the four DORA keys over 7 and 30 days. */
export function historyCommand(desk: DeployDesk) {
  const { store } = desk;
  return subcommand({
    name: 'deploys',
    summary: 'The latest deploys of a service, with its DORA figures over 7 and 30 days.',
    grammar: args(service, optional(environment)),
    example: 'deploys api',
    changes: false,
    async run(ctx) {
      const { deploy } = desk.configOf(ctx.args.service);
      const names = ctx.args.environment
        ? [desk.environmentOf(ctx.args.service, ctx.args.environment)]
        : Object.keys(deploy.environments);
      const all = (await Promise.all(names.map((env) => store.history(ctx.args.service, env)))).flat();
      all.sort((a, b) => b.requestedAt - a.requestedAt);
      const title = `Deploys of ${ctx.args.service}${ctx.args.environment ? ` in ${ctx.args.environment}` : ''}`;
      await ctx.reply(historyMessage(title, all.slice(0, 15), await readDora(desk, ctx.args.service, all)));
    },
  });
}
