import { PermissionDenied } from '../../errors.js';
import { type Message, message, section } from '../../platform/blocks.js';
import type { JobHandler } from '../../platform/capability.js';
import { md } from '../../platform/mrkdwn.js';
import { experimentEntry, experimentStart, type RunbookCatalog, runbookFor, runbookStart } from '../commands/launch.js';
import { type RunDesk, RunRefused } from '../desk.js';
import { dryRunMessage } from '../messages.js';
import { checkParams } from '../params.js';
import { type StartJob, startQueue } from './start-queue.js';

/** A request's run id is remembered this long: longer than Slack retries or BullMQ reruns a start. */
const REQUEST_KEPT_SECONDS = 86_400;

/**
 * Starts the run a surface acknowledged (`/ops run`, the parameters modal, an alert's Run button, `/ops experiment`):
 * the roles checked again (from the signed user id the job carries), the parameters and plan again, then the lock, the
 * record, the progress message, the first step. A run that cannot start (another run holds the lock) is answered
 * ephemerally (through the response_url, else in the run's channel), and audited.
 */
export function startHandler(desk: RunDesk, catalog: RunbookCatalog): JobHandler<StartJob> {
  return {
    queue: startQueue,
    async process(data) {
      if (data.dryRun) return dryRun(desk, catalog, data);
      // One run id per request: a rerun of this job (a crash halfway) finishes starting the same run. The key says
      // `command` for every surface: runs already claimed keep theirs.
      const claim = await desk.store.claimRun(`command:${data.requestId}`, REQUEST_KEPT_SECONDS);
      const experiment = data.kind === 'experiment';
      try {
        const start = experiment ? await experimentOf(desk, catalog, data) : await runbookOf(desk, catalog, data);
        const run = await desk.start(
          {
            ...start,
            requester: data.userId,
            channel: data.channel,
            ...(data.threadKey !== undefined && { threadKey: data.threadKey }),
          },
          { claim },
        );
        return { run: run.id };
      } catch (error) {
        if (!isRefusal(error)) throw error;
        // A permission refusal was audited where it was found; a runbook rule's is audited here, once per request.
        if (error instanceof RunRefused && claim.fresh) {
          await desk.services.audit.append({
            actor: data.userId,
            action: experiment ? 'runbooks.experiment' : 'runbooks.run',
            target: experiment ? `experiment/${data.runbook}` : `${data.runbook}/${data.service ?? ''}`,
            outcome: 'denied',
            detail: error.auditDetail.slice(0, 200),
            at: desk.services.now(),
          });
        }
        const refusal = refusalMessage(error);
        if (data.responseUrl) {
          await desk.services.outbox.respond(
            data.responseUrl,
            { ...refusal, response_type: 'ephemeral', replace_original: false },
            { key: `runbook-refused-${claim.id}` },
          );
        } else {
          await desk.services.outbox.tell({ channel: data.channel, userId: data.userId, message: refusal });
        }
        return { refused: error.message };
      }
    },
  };
}

/** A rule or a role said no: the asker is told, and the job is done (anything else is retried). */
const isRefusal = (error: unknown): error is RunRefused | PermissionDenied =>
  error instanceof RunRefused || error instanceof PermissionDenied;

/** A refusal as the asker sees it. */
const refusalMessage = (error: RunRefused | PermissionDenied) =>
  message(error.markdown, [section(md`:no_entry: ${error.markdown}`)]);

/**
 * The parameters modal's dry run: the plan (or why there is none) told to whoever asked, ephemerally, as a refusal is
 * (a submission has no response_url). Nothing runs, no run id is claimed.
 */
async function dryRun(desk: RunDesk, catalog: RunbookCatalog, data: StartJob) {
  let answer: Message;
  try {
    const start = await runbookOf(desk, catalog, data);
    answer = dryRunMessage(start.label, start.steps);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    answer = refusalMessage(error);
  }
  await desk.services.outbox.tell({ channel: data.channel, userId: data.userId, message: answer });
  return { dryRun: true };
}

/** The runbook's start: its roles, parameters and plan checked again (ops.yml may have changed since the ack). */
async function runbookOf(desk: RunDesk, catalog: RunbookCatalog, data: StartJob) {
  const runbook = await runbookFor(desk, catalog, data.userId, data.runbook);
  const checked = checkParams(runbook, data.params);
  if (!checked.ok) throw new RunRefused(`The parameters of ${data.runbook} changed: run it again.`);
  return runbookStart(catalog, {
    name: data.runbook,
    service: data.service,
    params: checked.params,
    userId: data.userId,
    channel: data.channel,
  });
}

/** The experiment's start: its roles checked again, its file read (here, not in the ack) and planned. */
async function experimentOf(desk: RunDesk, catalog: RunbookCatalog, data: StartJob) {
  const entry = experimentEntry(catalog, data.runbook);
  await desk.requireAny(data.userId, entry.allow, 'runbooks.experiment', data.runbook);
  return experimentStart(catalog, { name: data.runbook, env: {} });
}
