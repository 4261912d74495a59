import { textMessage } from '../platform/blocks.js';
import type { Action, ActionContext } from '../platform/capability.js';
import { plain } from '../platform/mrkdwn.js';
import { FLAGS_ROLE, withFlagsRole } from './commands/kit.js';
import type { FlagsContext } from './context.js';
import { ACTIONS, flagCard, parseCardValue } from './messages.js';
import { ROLLOUT_ACTIONS } from './rollout-messages.js';
import { type FlagOperation, FlagRefused } from './rules.js';

/** The flag card's Turn on / Turn off and rollout select, and Approve / Reject on pending changes. */
export function flagActions(context: () => FlagsContext): Action[] {
  const desk = () => context().desk;
  const fromCard = (operationOf: (extra: string | undefined) => FlagOperation) => async (ctx: ActionContext) => {
    const target = parseCardValue(ctx.value);
    if (!target) return;
    const environment = desk().environmentOf(target.environment);
    const channel = ctx.message?.channelId ?? ctx.channelId;
    if (!channel) throw new FlagRefused('Use the card in a channel.');
    const outcome = await desk().request({
      key: target.key,
      environment,
      operation: operationOf(target.extra),
      userId: ctx.userId,
      channel,
    });
    const definition = await desk().store.definition(target.key);
    if (!definition) return;
    const note = outcome.applied
      ? undefined
      : `:hourglass: The change in ${environment} waits for approval in this channel.`;
    await ctx.respond(
      flagCard(definition, await desk().store.statesOf(target.key), {
        approvalEnvironments: Object.keys(desk().settings.approval),
        note,
      }),
      { replaceOriginal: true },
    );
  };
  const auditTarget = (value: string | undefined) => {
    const target = parseCardValue(value);
    return target ? `${target.key}/${target.environment}` : 'flag';
  };
  return withFlagsRole(
    [
      {
        actionId: ACTIONS.toggle,
        role: FLAGS_ROLE,
        changes: true,
        auditTarget,
        run: fromCard((extra) => ({ op: extra === 'on' ? 'on' : 'off' })),
      },
      {
        actionId: ACTIONS.rollout,
        role: FLAGS_ROLE,
        changes: true,
        auditTarget,
        run: fromCard((extra) => ({ op: 'rollout', percent: Number(extra) })),
      },
      ...(['pause', 'resume', 'abort'] as const).map(
        (control): Action => ({
          actionId: ROLLOUT_ACTIONS[control],
          role: FLAGS_ROLE,
          changes: true,
          auditAction: `flags.rollout-${control}`,
          auditTarget: (value) => `rollout#${value ?? ''}`,
          async run(ctx) {
            if (!ctx.value) return;
            const refusal = await context().rollouts.control(ctx.value, control, ctx.userId);
            if (refusal) await ctx.respond(textMessage(plain(refusal)));
          },
        }),
      ),
    ],
    context,
  );
}
