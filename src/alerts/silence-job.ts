import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { messageKey } from './messages.js';
import type { SilenceProvider } from './providers/alertmanager.js';
import { publishGroup } from './publish.js';
import { silencedHere, silenceMatchers } from './rules.js';
import { endSilenceHere, silenceHere } from './silences.js';
import type { AlertStore } from './store.js';

const silenceJob = z.object({
  kind: z.enum(['silence', 'unsilence']),
  groupId: z.string().regex(/^[0-9a-f]{20}$/),
  epoch: z.int().positive(),
  hours: z
    .int()
    .min(1)
    .max(24 * 7)
    .optional(),
  userId: z.string().regex(/^[UW][A-Z0-9]+$/),
  /** Slack's trigger_id of the click: a replayed click maps to the same job. */
  requestId: z.string().min(1).max(200),
  responseUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type SilenceJob = z.output<typeof silenceJob>;

/** Silence and Unsilence clicks: calls to Alertmanager, made by a worker so the click is acknowledged at once. */
export const silenceQueue = defineQueue<SilenceJob>({
  name: 'alerts-silence',
  schema: silenceJob,
  jobId: (data) => `${data.kind}-${data.requestId}`,
  attempts: 5,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

/**
 * Creates (or expires) the group's silence — in Alertmanager for its groups, else Opsdeck's own (silences.ts) — and
 * shows it on the message, with a line in its thread. A second Silence while one is active, or Unsilence with none,
 * only tells the clicker.
 */
export function silenceHandler(
  services: Pick<Services, 'outbox' | 'catalog' | 'now' | 'jobs'>,
  store: AlertStore,
  silences: () => SilenceProvider | undefined,
): JobHandler<SilenceJob> {
  const tell = async (data: SilenceJob, text: string, key: string) => {
    if (data.responseUrl)
      await services.outbox.respond(data.responseUrl, { text, response_type: 'ephemeral' }, { key });
  };
  return {
    queue: silenceQueue,
    async process(data, ctx) {
      const group = await store.get(data.groupId);
      if (!group || group.epoch !== data.epoch) {
        await tell(data, 'That alert group is gone or has a newer message.', ctx.jobId);
        return { skipped: 'gone' };
      }
      const here = silencedHere(group);
      const provider = here ? undefined : silences();
      if (!here && !provider) {
        await tell(data, 'Silences of Alertmanager’s alerts need `alerts.alertmanagerUrl` in ops.yml.', ctx.jobId);
        return { skipped: 'no-alertmanager' };
      }
      const now = services.now();
      if (data.kind === 'silence') {
        const hours = data.hours ?? 1;
        const until = now.getTime() + hours * 3600_000;
        if (here) {
          // The click's id names the silence: a rerun of this job finds the silence it made.
          const silenceId = `opsdeck-${createHash('sha256').update(data.requestId).digest('hex').slice(0, 20)}`;
          const input = { silenceId, until, userId: data.userId, now: now.getTime(), hours };
          if (!(await silenceHere(services, store, group, input))) {
            await tell(data, 'This alert group is already silenced.', ctx.jobId);
            return { skipped: 'silenced' };
          }
          return { silence: silenceId };
        }
        if (group.silence && group.silence.until > now.getTime()) {
          await tell(data, 'This alert group is already silenced.', ctx.jobId);
          return { skipped: 'silenced' };
        }
        const id = await provider!.create({
          matchers: silenceMatchers(group),
          startsAt: now,
          endsAt: new Date(until),
          createdBy: `slack:${data.userId}`,
          comment: `Silenced from Slack by ${data.userId} (Opsdeck, ${messageKey(group)})`,
        });
        const { group: next } = (await store.change(data.groupId, (current) =>
          current
            ? { group: { ...current, silence: { id, until, userId: data.userId }, changes: current.changes + 1 } }
            : undefined,
        )) ?? { group };
        await publishGroup(services, next, { line: `:no_bell: Silenced for ${hours}h` });
        return { silence: id };
      }
      if (!group.silence) {
        await tell(data, 'This alert group is not silenced.', ctx.jobId);
        return { skipped: 'not-silenced' };
      }
      if (here) {
        await endSilenceHere(services, store, group.id, group.silence.id, ':bell: Unsilenced');
        return { ended: group.silence.id };
      }
      await provider!.expire(group.silence.id);
      const changed = await store.change(data.groupId, (current) =>
        current?.silence ? { group: { ...current, silence: undefined, changes: current.changes + 1 } } : undefined,
      );
      if (changed) {
        await publishGroup(services, changed.group, { line: ':bell: Unsilenced' });
      }
      return { expired: group.silence.id };
    },
  };
}
