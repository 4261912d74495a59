import { defineCapability } from '../platform/capability.js';
import { deployButtons } from './commands/buttons.js';
import { deployCommands } from './commands/deploy.js';
import { freezeCommands } from './commands/freezes.js';
import { historyCommand } from './commands/history.js';
import { lockCommands } from './commands/locks.js';
import { deploysConfig } from './config.js';
import { deployRunHandler } from './deploy-job.js';
import { DeployDesk } from './desk.js';
import { homeSection } from './home.js';
import { APPROVAL_GATE } from './messages.js';

/**
 * Deploys and rollbacks with four-eyes approvals (ops.yml `deploy:`): a request is a message in the channel where it
 * was asked, approved by buttons under the environment's policy, run by a never-twice job through the service's
 * provider, verified, recorded, and one click away from a rollback to the last good version.
 */
export const deploys = defineCapability({
  name: 'deploys',
  title: 'Deploys',
  config: deploysConfig,
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
    const desk = new DeployDesk(services);
    return {
      home: () => homeSection(desk),
      // Approve / Reject: the platform checks the policy's role at click time, audits, and lets one click win.
      approvals: [
        {
          name: APPROVAL_GATE,
          auditTarget: (id) => `deploy#${id}`,
          onApproved: (request, by) => desk.approved(request, by),
          onRejected: async (request, by) => void (await desk.finish(request.id, 'rejected', { decidedBy: by })),
          onExpired: async (request) =>
            void (await desk.finish(request.id, 'expired', { detail: 'Nobody approved it in time.' })),
          onClick: (request) => desk.refresh(request.id),
        },
      ],
      subcommands: [
        ...deployCommands(desk, services),
        historyCommand(desk),
        ...lockCommands(desk),
        ...freezeCommands(desk),
      ],
      actions: deployButtons(desk),
      jobs: [deployRunHandler(desk, services.logger)],
    };
  },
});
