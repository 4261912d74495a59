import { defineCapability, subcommand } from '../platform/capability.js';
import { args, optional, rest } from '../platform/grammar/index.js';
import { experimentCommand } from './commands/experiment-command.js';
import { runFromAlert } from './commands/from-alert.js';
import { runbookCatalog } from './commands/launch.js';
import { paramsView } from './commands/params-view.js';
import { cancelAction, resolveActions } from './commands/run-buttons.js';
import { runCommand } from './commands/run-command.js';
import { runbooksConfig } from './config.js';
import { parseGateId, RunDesk } from './desk.js';
import { alertFiringHandler } from './jobs/alert-firing.js';
import { startHandler } from './jobs/start-job.js';
import { stepHandler } from './jobs/step-job.js';
import { APPROVAL_GATE, homeSection, listMessage } from './messages.js';
import { matchesSearch } from './rules.js';

/**
 * Runbooks (ops.yml `runbooks:`) and chaos experiments in Chaos Toolkit's format (`experiments:`) as durable runs:
 * parameters checked before anything runs, approval gates, a progress message edited in place with each step's
 * output in its thread, Cancel, and a step-by-step job that never repeats a finished step after a crash.
 */
export const runbooks = defineCapability({
  name: 'runbooks',
  title: 'Runbooks',
  config: runbooksConfig,
  uses: [
    'redis',
    'key',
    'keysOf',
    'catalog',
    'outbox',
    'jobs',
    'approvals',
    'audit',
    'permissions',
    'metrics',
    'logger',
    'now',
  ],
  build: (services) => {
    const desk = new RunDesk(services);
    const catalog = runbookCatalog(() => services.catalog);

    return {
      async home() {
        const all = Object.values(catalog.runbooks);
        return homeSection(await desk.store.open(10), all.length, all.filter((r) => r.auto).length);
      },
      // Approve / Reject of gates (the runbook's approval and `approve` steps): the platform checks the policy's role at
      // click time, keeps the requester from approving, audits, and lets one click win.
      approvals: [
        {
          name: APPROVAL_GATE,
          auditTarget: (id) => `run#${id}`,
          onApproved: (request, by) => desk.gateDecided(request, 'approved', by),
          onRejected: (request, by) => desk.gateDecided(request, 'rejected', by),
          onExpired: (request) => desk.gateDecided(request, 'expired'),
          onClick: async (request) => {
            const gate = parseGateId(request.id);
            if (gate) await desk.refresh(gate.runId);
          },
        },
      ],
      subcommands: [
        subcommand({
          name: 'runbooks',
          summary: 'List and search runbooks: what they do, their steps, who may run them.',
          grammar: args(optional(rest('search', { description: 'Words to look for', example: 'restart' }))),
          example: 'runbooks restart',
          changes: false,
          async run(ctx) {
            const words = (ctx.args.search ?? '').split(/\s+/).filter(Boolean);
            const entries = Object.entries(catalog.runbooks)
              .filter(([name, runbook]) => matchesSearch(name, runbook, words))
              .map(([name, runbook]) => ({
                name,
                runbook,
                services: Object.keys(catalog.services).filter((s) => catalog.services[s]!.runbooks.includes(name)),
              }));
            await ctx.reply(listMessage(entries, ctx.args.search ?? ''));
          },
        }),
        runCommand(desk, catalog),
        experimentCommand(desk, catalog),
      ],
      actions: [...resolveActions(desk), runFromAlert(desk, catalog, services), cancelAction(desk)],
      views: [paramsView(desk, catalog)],
      jobs: [stepHandler(desk, services.logger), startHandler(desk, catalog), alertFiringHandler(desk, catalog)],
    };
  },
});
