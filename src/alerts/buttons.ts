import { z } from 'zod';
import { type Action, type ActionContext, unchanged } from '../platform/capability.js';
import type { Services } from '../platform/services.js';
import { ACK_ACTION, parseButtonValue, SILENCE_ACTION, UNSILENCE_ACTION } from './messages.js';
import type { SilenceProvider } from './providers/alertmanager.js';
import { publishGroup } from './publish.js';
import { silencedHere } from './rules.js';
import { silenceQueue } from './silence-job.js';
import type { AlertStore } from './store.js';

/** The value of a group's buttons, `<group id>:<epoch>` (see parseButtonValue). */
const GROUP_BUTTON_VALUE = z
  .string()
  .refine((value) => parseButtonValue(value) !== undefined, { error: 'is not an alert group' });

/** Acknowledge: marks the group's current epoch acknowledged and says so in its thread. */
export function ackButton(store: AlertStore, services: Pick<Services, 'outbox' | 'catalog' | 'now'>): Action {
  return {
    actionId: ACK_ACTION,
    role: 'responder',
    changes: true,
    auditAction: 'alerts.acknowledge',
    value: GROUP_BUTTON_VALUE,
    auditTarget: (value) => `alert-group/${parseButtonValue(value)?.id ?? 'unknown'}`,
    async run(ctx) {
      const target = parseButtonValue(ctx.value);
      if (!target) return unchanged('That button names no alert group.');
      const at = services.now().getTime();
      const changed = await store.change(target.id, (group) =>
        group && group.epoch === target.epoch && !group.acknowledged
          ? { group: { ...group, acknowledged: { userId: ctx.userId, at }, changes: group.changes + 1 } }
          : undefined,
      );
      if (!changed) return unchanged('Already acknowledged, or the alert group has a newer message.');
      await publishGroup(services, changed.group, { line: ':eyes: Acknowledged' });
      return undefined;
    },
  };
}

/**
 * Silence for 1/4/24 h and Unsilence: a job asks Alertmanager for its groups (when ops.yml names one), and keeps an
 * Opsdeck silence for the others.
 */
export function silenceButtons(
  store: AlertStore,
  services: Pick<Services, 'jobs'>,
  silences: () => SilenceProvider | undefined,
): Action[] {
  return [
    ...[
      { actionId: SILENCE_ACTION, kind: 'silence' as const },
      { actionId: UNSILENCE_ACTION, kind: 'unsilence' as const },
    ].map(({ actionId, kind }) => ({
      actionId,
      role: 'responder',
      changes: true,
      auditAction: `alerts.${kind}`,
      value: GROUP_BUTTON_VALUE,
      auditTarget: (value: string | undefined) => `alert-group/${parseButtonValue(value)?.id ?? 'unknown'}`,
      async run(ctx: ActionContext) {
        const target = parseButtonValue(ctx.value);
        if (!target) return unchanged('That button names no alert group.');
        const group = await store.get(target.id);
        if (group && !silencedHere(group) && !silences()) {
          return unchanged('Silences of Alertmanager’s alerts need `alerts.alertmanagerUrl` in ops.yml.');
        }
        const hours = kind === 'silence' ? Number(SILENCE_ACTION.exec(ctx.actionId)?.[1] ?? 1) : undefined;
        await services.jobs.enqueue(
          silenceQueue,
          {
            kind,
            groupId: target.id,
            epoch: target.epoch,
            hours,
            userId: ctx.userId,
            requestId: ctx.triggerId,
            responseUrl: ctx.responseUrl,
          },
          { withinAck: true },
        );
        return undefined;
      },
    })),
  ];
}
