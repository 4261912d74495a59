import { textMessage } from '../../platform/blocks.js';
import { subcommand } from '../../platform/capability.js';
import { args, identifier } from '../../platform/grammar/index.js';
import { md } from '../../platform/mrkdwn.js';
import type { RunDesk } from '../desk.js';
import { dryRunMessage, runLabel } from '../messages.js';
import { experimentStart, type RunbookCatalog } from './launch.js';
import { dryRunOnly } from './run-args.js';

/** `/ops experiment <name> [dry-run]`: a Chaos Toolkit experiment, run like a runbook. */
export function experimentCommand(desk: RunDesk, catalog: RunbookCatalog) {
  return subcommand({
    name: 'experiment',
    summary: 'Run a chaos experiment (Chaos Toolkit format): hypothesis, method, hypothesis again, rollbacks.',
    grammar: args(
      identifier('experiment', { description: 'An experiment from ops.yml', example: 'slow-api' }),
      dryRunOnly(),
    ),
    example: 'experiment slow-api',
    changes: true,
    auditTarget: (a) => `experiment/${a.experiment}`,
    async run(ctx) {
      const entry = catalog.experiments[ctx.args.experiment];
      await desk.requireAny(ctx.userId, entry?.allow ?? ['deployer'], 'runbooks.experiment', ctx.args.experiment);
      await ctx.ackNow();
      // The experiment file is read now (it may have changed since start): after the ack, so a slow disk is no risk.
      const start = await experimentStart(catalog, { name: ctx.args.experiment, env: {} });
      if (ctx.args.dryRun) return ctx.reply(dryRunMessage(start.label, start.steps));
      const run = await desk.start({ ...start, requester: ctx.userId, channel: ctx.channelId });
      await ctx.reply(textMessage(md`Started ${runLabel(run)}: its progress is in the channel.`));
    },
  });
}
