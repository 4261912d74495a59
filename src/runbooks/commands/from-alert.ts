import { alertGroupOfButton, RUN_RUNBOOK_ACTION } from '../../alerts/api.js';
import type { Action } from '../../platform/capability.js';
import type { Services } from '../../platform/services.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { startingMessage } from '../messages.js';
import { checkParams } from '../params.js';
import { queueStart, type RunbookCatalog, runbookFor, runbookStart } from './launch.js';

/**
 * An alert's Run runbook button: the runbook the group names, for the service its `service` label names, with its
 * parameters' defaults; its progress goes in the alert message's thread. Permissions and approval as for `/ops run`,
 * and started the same way, by the start job: a refusal it finds comes back through the click's response_url.
 */
export function runFromAlert(
  desk: RunDesk,
  catalog: RunbookCatalog,
  services: Pick<Services, 'redis' | 'keysOf'>,
): Action {
  return {
    actionId: RUN_RUNBOOK_ACTION,
    changes: true,
    auditAction: 'runbooks.run',
    auditTarget: (value) => `alert/${value ?? ''}`,
    async run(ctx) {
      const group = await alertGroupOfButton(services, ctx.value);
      if (!group?.runbook) throw new RunRefused('That alert group is no longer kept.');
      const runbook = await runbookFor(desk, catalog, ctx.userId, group.runbook);
      const checked = checkParams(runbook, {});
      if (!checked.ok) {
        throw new RunRefused(`${group.runbook} needs parameters: \`/ops run ${group.runbook} <param>=<value>…\`.`);
      }
      const service = group.labels.service && catalog.services[group.labels.service] ? group.labels.service : undefined;
      const start = runbookStart(catalog, {
        name: group.runbook,
        service,
        params: checked.params,
        userId: ctx.userId,
        channel: group.channel,
      });
      // The click's trigger_id: the router drops a redelivered click, and the job id a replayed one.
      await queueStart(
        desk,
        {
          requestId: ctx.triggerId,
          userId: ctx.userId,
          channel: group.channel,
          threadKey: group.messageKey,
          responseUrl: ctx.responseUrl,
        },
        start,
      );
      await ctx.respond(startingMessage(start.label, "in the alert's thread"));
    },
  };
}
