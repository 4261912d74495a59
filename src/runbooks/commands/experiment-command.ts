import { subcommand } from '../../platform/capability.js';
import { args, identifier } from '../../platform/grammar/index.js';
import type { RunDesk } from '../desk.js';
import { dryRunMessage, startingMessage } from '../messages.js';
import { experimentEntry, experimentStart, queueStart, type RunbookCatalog } from './launch.js';
import { dryRunOnly } from './run-args.js';

/** `/ops experiment <name> [dry-run]`: a Chaos Toolkit experiment, run like a runbook (by the start job). */
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
      const name = ctx.args.experiment;
      const entry = catalog.experiments[name];
      await desk.requireAny(ctx.userId, entry?.allow ?? ['deployer'], 'runbooks.experiment', name);
      if (ctx.args.dryRun) {
        await ctx.ackNow();
        // The experiment file is read after the ack, so a slow disk is no risk; a run reads it in the start job.
        const start = await experimentStart(catalog, { name, env: {} });
        return ctx.reply(dryRunMessage(start.label, start.steps));
      }
      const { service } = experimentEntry(catalog, name);
      // The experiment's file is read by the worker: only its entry in ops.yml is checked here.
      const asked = {
        requestId: ctx.triggerId,
        userId: ctx.userId,
        channel: ctx.channelId,
        responseUrl: ctx.responseUrl,
      };
      await queueStart(desk, asked, { kind: 'experiment', name, service, params: {} });
      await ctx.reply(startingMessage(`experiment ${name}${service ? ` on ${service}` : ''}`, 'in the channel'));
    },
  });
}
