import { SlackApiError } from '../../errors.js';
import { type CommandContext, subcommand } from '../../platform/capability.js';
import { args, identifier, optional } from '../../platform/grammar/index.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { dryRunMessage, paramsModal, startingMessage } from '../messages.js';
import { checkParams } from '../params.js';
import { queueStart, type RunbookCatalog, runbookFor, runbookStart } from './launch.js';
import { DRY_RUN, paramsAndDryRun } from './run-args.js';

interface RunRequest {
  runbook: string;
  service?: string;
  given: Record<string, string>;
  dryRun: boolean;
  channel: string;
}

/** `/ops run <runbook> [<service>] [param=value…] [dry-run]`. */
export function runCommand(desk: RunDesk, catalog: RunbookCatalog) {
  return subcommand({
    name: 'run',
    summary: 'Run a runbook (its parameters as param=value; `dry-run` shows what would run).',
    grammar: args(
      identifier('runbook', {
        description: 'A runbook from ops.yml (`/ops runbooks` lists them)',
        example: 'restart-api',
      }),
      optional(
        identifier('service', { description: 'The service it is for, when more than one lists it', example: 'api' }),
      ),
      paramsAndDryRun(),
    ),
    example: 'run restart-api api',
    changes: true,
    auditTarget: (a) => `${a.runbook}/${a.service ?? ''}`,
    async run(ctx) {
      // `run restart-api dry-run`: the optional service took the word.
      const dryRun = ctx.args.params.dryRun || ctx.args.service === DRY_RUN;
      const service = ctx.args.service === DRY_RUN ? undefined : ctx.args.service;
      const runbook = await runbookFor(desk, catalog, ctx.userId, ctx.args.runbook);
      const checked = checkParams(runbook, ctx.args.params.params);
      const request: RunRequest = {
        runbook: ctx.args.runbook,
        service,
        given: ctx.args.params.params,
        dryRun,
        channel: ctx.channelId,
      };
      if (!checked.ok && checked.problems.length > 0) {
        throw new RunRefused(
          `Nothing was run: ${checked.problems.map((p) => `\`${p.name}\` ${p.message}`).join('; ')}.`,
        );
      }
      if (!checked.ok) return openParamsModal(ctx, request, checked.missing);
      // Pure, against ops.yml: a service or plan that cannot work is refused in the ack, and a dry run answered there.
      const start = runbookStart(catalog, {
        name: request.runbook,
        service,
        params: checked.params,
        userId: ctx.userId,
        channel: ctx.channelId,
      });
      if (dryRun) return ctx.reply(dryRunMessage(start.label, start.steps));
      const asked = {
        requestId: ctx.triggerId,
        userId: ctx.userId,
        channel: ctx.channelId,
        responseUrl: ctx.responseUrl,
      };
      await queueStart(desk, asked, start);
      await ctx.reply(startingMessage(start.label, 'in the channel'));
    },
  });

  async function openParamsModal(
    ctx: CommandContext<unknown>,
    request: RunRequest,
    missing: Parameters<typeof paramsModal>[1],
  ) {
    try {
      await desk.services.outbox.call('views.open', {
        trigger_id: ctx.triggerId,
        view: paramsModal(request.runbook, missing, JSON.stringify(request)),
      });
    } catch (error) {
      if (error instanceof SlackApiError && /trigger/.test(error.slackError)) {
        throw new RunRefused(
          'Slack took too long to open the form: try again, or give every parameter as param=value.',
        );
      }
      throw error;
    }
    await ctx.ackNow();
  }
}
