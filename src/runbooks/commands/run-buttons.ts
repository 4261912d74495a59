import { textMessage } from '../../platform/blocks.js';
import type { Action, ActionContext } from '../../platform/capability.js';
import { md, plain } from '../../platform/mrkdwn.js';
import type { RunDesk } from '../desk.js';
import { ACTIONS } from '../messages.js';

/** `<run id>:<step index>`, the value of a gate's and an interrupted step's buttons. */
function stepOf(value: string | undefined): { runId: string; index: number } | undefined {
  const match = /^(\d{1,15}):(\d{1,3})$/.exec(value ?? '');
  return match ? { runId: match[1]!, index: Number(match[2]) } : undefined;
}

/** Retry / Skip / Abort of an interrupted step. */
export function resolveActions(desk: RunDesk): Action[] {
  return (['retry', 'skip', 'abort'] as const).map((choice) => ({
    actionId: ACTIONS[choice],
    changes: false,
    async run(ctx: ActionContext) {
      const step = stepOf(ctx.value);
      if (!step) return;
      const refusal = await desk.resolve({ ...step, userId: ctx.userId, choice });
      if (refusal) await ctx.respond(textMessage(plain(refusal)));
    },
  }));
}

/** A run's Cancel button. */
export function cancelAction(desk: RunDesk): Action {
  return {
    actionId: ACTIONS.cancel,
    changes: true,
    auditTarget: (value) => `run#${value}`,
    async run(ctx) {
      const run = ctx.value ? await desk.store.get(ctx.value) : undefined;
      if (!run) return void (await ctx.respond(textMessage(md`That run is no longer kept.`)));
      // Whoever may start it, or decide it, may stop it.
      await desk.requireAny(ctx.userId, [run.humanRole, 'deployer'], 'runbooks.cancel', `${run.name}#${run.id}`);
      const refusal = await desk.cancel(run.id, ctx.userId);
      await ctx.respond(
        textMessage(
          refusal ? plain(refusal) : md`Cancelling #${run.id}: the current step is stopped, the rest skipped.`,
        ),
      );
    },
  };
}
