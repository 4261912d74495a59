import { textMessage } from '../../platform/blocks.js';
import { type Action, type ActionContext, NUMERIC_ID, unchanged } from '../../platform/capability.js';
import { md } from '../../platform/mrkdwn.js';
import type { Deploy } from '../deploy.js';
import { deployRunQueue } from '../deploy-queue.js';
import { DeployDesk, DeployRefused } from '../desk.js';
import { ACTIONS } from '../messages.js';

/** The deploy message's buttons: Cancel while it runs, Rollback after, Retry / Mark failed when interrupted. */
export function deployButtons(desk: DeployDesk): Action[] {
  const { store, services } = desk;
  return [
    {
      actionId: ACTIONS.cancel,
      role: 'deployer',
      changes: true,
      value: NUMERIC_ID,
      auditTarget: (value) => `deploy#${value}`,
      async run(ctx) {
        const deploy = ctx.value ? await store.get(ctx.value) : undefined;
        if (deploy?.status !== 'running') return unchanged('That deploy is not running.');
        await store.requestCancel(deploy.id, ctx.userId);
        return ctx.respond(textMessage(md`Cancelling #${deploy.id}: the command gets SIGTERM, then SIGKILL.`));
      },
    },
    {
      actionId: ACTIONS.rollback,
      role: 'deployer',
      changes: true,
      value: NUMERIC_ID,
      auditTarget: (value) => `deploy#${value}`,
      async run(ctx) {
        const from = ctx.value ? await store.get(ctx.value) : undefined;
        if (!from) throw new DeployRefused('That deploy is no longer kept.');
        if (from.status === 'interrupted') {
          await desk.finish(from.id, 'failed', { decidedBy: ctx.userId, detail: 'Interrupted; rolled back.' });
        }
        const deploy = await desk.rollback(
          {
            service: from.service,
            environment: from.environment,
            userId: ctx.userId,
            channel: from.channel,
            fromId: from.id,
          },
          { withinAck: true },
        );
        await ctx.respond(DeployDesk.requested(deploy));
      },
    },
    whenInterrupted(desk, ACTIONS.retry, async (from) => {
      const deploy = await store.update(from.id, (d) => ({ ...d, status: 'approved', runs: d.runs + 1 }));
      await services.jobs.enqueue(deployRunQueue, { deployId: from.id, run: deploy!.runs }, { withinAck: true });
      await desk.refresh(from.id);
    }),
    whenInterrupted(desk, ACTIONS.markFailed, async (from, ctx) => {
      await desk.finish(from.id, 'failed', { decidedBy: ctx.userId, detail: 'Interrupted; marked failed.' });
    }),
  ];
}

/** A button of an interrupted deploy's message (Retry, Mark failed): on any other deploy it says so and does nothing. */
function whenInterrupted(
  desk: DeployDesk,
  actionId: string,
  act: (from: Deploy, ctx: ActionContext) => Promise<void>,
): Action {
  return {
    actionId,
    role: 'deployer',
    changes: true,
    value: NUMERIC_ID,
    auditTarget: (value) => `deploy#${value}`,
    async run(ctx) {
      const from = ctx.value ? await desk.store.get(ctx.value) : undefined;
      if (from?.status !== 'interrupted') return unchanged('That deploy is not interrupted.');
      await act(from, ctx);
      return undefined;
    },
  };
}
