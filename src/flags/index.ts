import { defineCapability } from '../platform/capability.js';
import { flagActions } from './actions.js';
import { flagCommands } from './commands/index.js';
import { flagsConfig } from './config.js';
import { flagsContext } from './context.js';
import { APPROVAL_GATE } from './desk.js';
import { exportCommand, exportJobHandler } from './export.js';
import { flagsHome } from './messages.js';
import { rolloutJob } from './rollouts.js';
import { flagRoutes } from './routes.js';

/**
 * Feature flags from Slack, evaluated by any OpenFeature SDK over OFREP: flagd flag sets per environment in Redis,
 * changed by `/ops flag …` and the flag card (with approvals where `flags.approval` says), served from memory by
 * flagd-core on every replica, exported as flagd files, rolled out in guarded steps.
 */
export const flags = defineCapability({
  name: 'flags',
  title: 'Flags',
  config: flagsConfig,
  uses: [
    'redis',
    'key',
    'keysOf',
    'catalog',
    'outbox',
    'jobs',
    'audit',
    'permissions',
    'approvals',
    'metrics',
    'logger',
    'now',
    'slashCommand',
    'subscribe',
  ],
  build: (services) => {
    // Made on first use: help, the manifest and Home are built from declarations alone, without Redis or ops.yml.
    const context = flagsContext(services);
    return {
      async home() {
        const { desk, configured } = context();
        if (!configured) return [];
        const definitions = (await desk.store.definitions()).filter((d) => d.archivedAt === undefined);
        const rows = await Promise.all(
          definitions.map(async (definition) => ({ definition, states: await desk.store.statesOf(definition.key) })),
        );
        return flagsHome(desk.environments, rows);
      },
      // Approve / Reject of changes in `flags.approval` environments: the platform checks the policy's role at click
      // time, audits each click and lets one click apply the change.
      approvals: [
        {
          name: APPROVAL_GATE,
          onApproved: (request, by) => context().desk.approved(request, by),
          // The approving click's redraw (with what applying said) is onApproved's.
          onClick: async (request) => {
            if (request.status !== 'approved') await context().desk.redraw(request.id);
          },
        },
      ],
      subcommands: flagCommands(context, services, exportCommand(context, services.jobs)),
      actions: flagActions(context),
      routes: flagRoutes(context),
      jobs: [rolloutJob(() => context().rollouts), exportJobHandler(context, services.outbox)],
    };
  },
});
