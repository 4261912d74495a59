import { z } from 'zod';
import type { ViewSubmission } from '../../platform/capability.js';
import type { RunDesk } from '../desk.js';
import { channelId, runbookName, serviceName } from '../jobs/start-queue.js';
import { PARAMS_VIEW } from '../messages.js';
import { checkParams } from '../params.js';
import { queueStart, type RunbookCatalog, runbookFor, runbookStart } from './launch.js';

/** What `/ops run` put in the modal: the command as typed, less the parameters it asks for. */
const RunRequestSchema = z.object({
  runbook: runbookName,
  service: serviceName.optional(),
  given: z.record(z.string(), z.string()),
  dryRun: z.boolean(),
  channel: channelId,
});

/**
 * The parameters modal's submission: values checked like the command's (errors shown on their fields), then started as
 * the command starts it, by the start job.
 */
export function paramsView(desk: RunDesk, catalog: RunbookCatalog): ViewSubmission {
  return {
    callbackId: PARAMS_VIEW,
    changes: true,
    auditTarget: (metadata) => {
      const parsed = RunRequestSchema.safeParse(safeJson(metadata));
      return parsed.success ? `${parsed.data.runbook}/${parsed.data.service ?? ''}` : 'runbook';
    },
    async run(ctx) {
      const request = RunRequestSchema.parse(safeJson(ctx.privateMetadata));
      const runbook = await runbookFor(desk, catalog, ctx.userId, request.runbook);
      const given = { ...request.given };
      for (const [blockId, elements] of Object.entries(ctx.values)) {
        const name = /^param_([a-z][a-z0-9_-]*)$/.exec(blockId)?.[1];
        const element = elements.value;
        const value = element?.selected_option?.value ?? element?.value ?? undefined;
        if (name && value) given[name] = value;
      }
      const checked = checkParams(runbook, given);
      if (!checked.ok) {
        const errors: Record<string, string> = {};
        for (const p of checked.problems) errors[`param_${p.name}`] = `${p.name} ${p.message}`;
        for (const p of checked.missing) errors[`param_${p.name}`] = `${p.name} is required`;
        return { errors };
      }
      const start = runbookStart(catalog, {
        name: request.runbook,
        service: request.service,
        params: checked.params,
        userId: ctx.userId,
        channel: request.channel,
      });
      // The modal closes on this ack; the run's progress message, the dry run's plan or the start job's refusal (an
      // ephemeral message, or a direct one when that cannot be shown: a submission has no response_url) shows in the
      // channel asked from, sent by the start job.
      await queueStart(desk, { requestId: ctx.viewId, userId: ctx.userId, channel: request.channel }, start, {
        dryRun: request.dryRun,
      });
      return undefined;
    },
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
