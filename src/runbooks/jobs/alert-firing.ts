import { type RunbookFiring, runbookFiringQueue } from '../../alerts/api.js';
import { textMessage } from '../../platform/blocks.js';
import type { JobHandler } from '../../platform/capability.js';
import { md } from '../../platform/mrkdwn.js';
import { type RunbookCatalog, runbookStart } from '../commands/launch.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { checkParams } from '../params.js';

/** A firing is remembered this long: the alerts queue's dedupe window, so neither side starts it twice. */
const FIRING_KEPT_SECONDS = 30 * 86_400;

/** Who an automatic run is by, in its run, its approval request and the audit log: Opsdeck, for the alert's sender. */
export const autoActor = (source: string) => `opsdeck:${source}`;

/**
 * An alert group naming a runbook started firing (alerts announce each firing once, on their queue): a runbook with
 * `auto: true` starts on its own, at most once per firing, its progress in the alert message's thread. Its
 * `approval` still applies (anyone holding the role may approve: the requester is Opsdeck). Audited as
 * `runbooks.run` by `opsdeck:<source>`; a run that cannot start (another holds the lock) says why in the thread.
 */
export function alertFiringHandler(desk: RunDesk, catalog: RunbookCatalog): JobHandler<RunbookFiring> {
  return {
    queue: runbookFiringQueue,
    async process(firing) {
      const runbook = Object.hasOwn(catalog.runbooks, firing.runbook) ? catalog.runbooks[firing.runbook] : undefined;
      if (!runbook?.auto) return { skipped: 'not auto' };
      const actor = autoActor(firing.source);
      const service = firing.service !== undefined && catalog.services[firing.service] ? firing.service : undefined;
      const where = { channel: firing.channel, threadKey: firing.messageKey };
      // The firing's run id: a rerun of this job (a crash halfway) finishes starting the same run.
      const claim = await desk.store.claimRun(
        `firing:${firing.group}:${firing.epoch}:${firing.refire}`,
        FIRING_KEPT_SECONDS,
      );
      const started = await desk.store.get(claim.id);
      const audit = (outcome: 'ok' | 'denied', detail: string) =>
        desk.services.audit.append({
          actor,
          action: 'runbooks.run',
          target: `${firing.runbook}/${service ?? ''}`,
          outcome,
          detail,
          at: desk.services.now(),
        });
      const because = `alert group ${firing.group} firing (${firing.epoch}.${firing.refire})`;
      try {
        const checked = checkParams(runbook, {});
        if (!checked.ok) throw new RunRefused(`${firing.runbook} has parameters without a default.`);
        const start = runbookStart(catalog, {
          name: firing.runbook,
          service,
          params: checked.params,
          userId: actor,
          channel: firing.channel,
        });
        const run = await desk.start({ ...start, requester: actor, ...where, auto: true }, { claim });
        if (!started) await audit('ok', `auto: ${because}, run #${run.id}`);
        return { run: run.id };
      } catch (error) {
        if (!(error instanceof RunRefused)) throw error;
        if (claim.fresh) await audit('denied', `auto: ${because}: ${error.auditDetail}`);
        await desk.services.outbox.post({
          key: `runbook-auto-${claim.id}`,
          ...where,
          message: textMessage(
            md`:warning: Runbook ${firing.runbook}${service ? ` on ${service}` : ''} was not started for this alert: ${error.markdown}`,
          ),
        });
        return { refused: error.auditDetail };
      }
    },
  };
}
