import { PermissionDenied } from '../../errors.js';
import { message, section } from '../../platform/blocks.js';
import type { JobHandler } from '../../platform/capability.js';
import { md } from '../../platform/mrkdwn.js';
import { type RunbookCatalog, runbookFor, runbookStart } from '../commands/launch.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { checkParams } from '../params.js';
import { type StartJob, startQueue } from './start-queue.js';

/** A request's run id is remembered this long: longer than Slack retries or BullMQ reruns a start. */
const REQUEST_KEPT_SECONDS = 86_400;

/**
 * Starts the run `/ops run` acknowledged: the roles checked again (from the signed user id the job carries), the
 * parameters and plan again (pure), then the lock, the record, the progress message, the first step. A run that cannot
 * start (another run holds the lock) is answered ephemerally through the command's response_url, and audited.
 */
export function startHandler(desk: RunDesk, catalog: RunbookCatalog): JobHandler<StartJob> {
  return {
    queue: startQueue,
    async process(data) {
      // One run id per request: a rerun of this job (a crash halfway) finishes starting the same run.
      const claim = await desk.store.claimRun(`command:${data.requestId}`, REQUEST_KEPT_SECONDS);
      try {
        const runbook = await runbookFor(desk, catalog, data.userId, data.runbook);
        const checked = checkParams(runbook, data.params);
        if (!checked.ok) throw new RunRefused(`The parameters of ${data.runbook} changed: run it again.`);
        const start = runbookStart(catalog, {
          name: data.runbook,
          service: data.service,
          params: checked.params,
          userId: data.userId,
          channel: data.channel,
        });
        const run = await desk.start({ ...start, requester: data.userId, channel: data.channel }, { claim });
        return { run: run.id };
      } catch (error) {
        if (!(error instanceof RunRefused) && !(error instanceof PermissionDenied)) throw error;
        // A permission refusal was audited where it was found; a runbook rule's is audited here, once per request.
        if (error instanceof RunRefused && claim.fresh) {
          await desk.services.audit.append({
            actor: data.userId,
            action: 'runbooks.run',
            target: `${data.runbook}/${data.service ?? ''}`,
            outcome: 'denied',
            detail: error.auditDetail.slice(0, 200),
            at: desk.services.now(),
          });
        }
        await desk.services.outbox.respond(
          data.responseUrl,
          {
            ...message(error.markdown, [section(md`:no_entry: ${error.markdown}`)]),
            response_type: 'ephemeral',
            replace_original: false,
          },
          { key: `runbook-refused-${claim.id}` },
        );
        return { refused: error.message };
      }
    },
  };
}
