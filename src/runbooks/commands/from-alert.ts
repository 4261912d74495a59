import { alertGroupOfButton, RUN_RUNBOOK_ACTION } from '../../alerts/api.js';
import type { Action } from '../../platform/capability.js';
import type { Services } from '../../platform/services.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { startingMessage } from '../messages.js';
import { checkParams } from '../params.js';
import { queueStart, type RunbookCatalog, runbookFor, runbookStart } from './launch.js';

/**
 * Clicks on one alert's Run button this close together are one request: a double click, or two people answering the
 * same alert at once. Each click has a trigger_id of its own, and a quick runbook is over (its lock released) before
 * the second click's start, so neither the trigger_id nor the lock would keep it to one run. Its progress is in the
 * alert's thread by then, for whoever clicks later.
 */
const CLICKS_AS_ONE_SECONDS = 30;

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
      const clicks = `alert:${group.messageKey}:${group.runbook}`;
      if (!(await desk.store.firstWithin(clicks, CLICKS_AS_ONE_SECONDS))) {
        throw new RunRefused(
          `${group.runbook} was started from this alert moments ago: its progress is in the alert's thread.`,
        );
      }
      const start = runbookStart(catalog, {
        name: group.runbook,
        service,
        params: checked.params,
        userId: ctx.userId,
        channel: group.channel,
      });
      // The click's trigger_id: the router drops a redelivered click, and the job id a replayed one.
      try {
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
      } catch (error) {
        // Not started: the click the user is about to be told failed must not hold back their next one.
        await desk.store.forget(clicks).catch(() => {});
        throw error;
      }
      await ctx.respond(startingMessage(start.label, "in the alert's thread"));
    },
  };
}
