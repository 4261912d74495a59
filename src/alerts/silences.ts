import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { publishGroup } from './publish.js';
import type { AlertGroup } from './rules.js';
import type { AlertStore } from './store.js';

/**
 * Opsdeck's own silences, for the groups Alertmanager does not own (Opsdeck's checks, Grafana, the generic webhook):
 * kept on the group, listed by `/ops alerts`, and ended by a delayed job when their time is up — never by a timer in
 * a process, so a restart or another worker ends them just the same.
 */

const expiryJob = z.object({
  groupId: z.string().regex(/^[0-9a-f]{20}$/),
  silenceId: z.string().regex(/^opsdeck-[0-9a-zA-Z_-]{1,200}$/),
  /** When it ends (ms since the epoch). */
  until: z.number().int().positive(),
});
export type SilenceExpiryJob = z.output<typeof expiryJob>;

const expiryJobId = (groupId: string, silenceId: string) => `expire-${groupId}-${silenceId}`;

/** One per silence, delayed until it ends. */
export const silenceExpiryQueue = defineQueue<SilenceExpiryJob>({
  name: 'alerts-silence-expiry',
  schema: expiryJob,
  jobId: (data) => expiryJobId(data.groupId, data.silenceId),
  attempts: 10,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
  // Silences last up to a week (the buttons offer a day): the id is remembered past that.
  dedupeTtlSeconds: 8 * 86_400,
});

type SilenceServices = Pick<Services, 'outbox' | 'catalog' | 'jobs'>;

/** Silences `group` here until `until` and has its end scheduled; false when another silence is active. */
export async function silenceHere(
  services: SilenceServices,
  store: AlertStore,
  group: AlertGroup,
  input: { silenceId: string; until: number; userId: string; now: number; hours: number },
): Promise<boolean> {
  const silence = { id: input.silenceId, until: input.until, userId: input.userId };
  const changed = await store.change(group.id, (current) => {
    if (!current) return undefined;
    // A rerun of the same click finds its own silence: it goes on to make sure the rest was done.
    if (current.silence?.id === silence.id) return { group: current };
    if (current.silence && current.silence.until > input.now) return undefined;
    return { group: { ...current, silence, changes: current.changes + 1 } };
  });
  if (!changed) return false;
  await store.indexSilence(group.id, input.until);
  await services.jobs.enqueue(
    silenceExpiryQueue,
    { groupId: group.id, silenceId: silence.id, until: input.until },
    { delayMs: Math.max(0, input.until - input.now) },
  );
  await publishGroup(services, changed.group, { line: `:no_bell: Silenced for ${input.hours}h` });
  return true;
}

/**
 * Ends the group's Opsdeck silence `silenceId` (Unsilence, or its time is up): the message drops it, and an epoch
 * that started while silenced and still fires gets its message now. Undefined when that silence is not on the group.
 */
export async function endSilenceHere(
  services: SilenceServices,
  store: AlertStore,
  groupId: string,
  silenceId: string,
  line: string,
): Promise<AlertGroup['silence']> {
  let ended: AlertGroup['silence'];
  let held = false;
  const changed = await store.change(groupId, (current) => {
    if (!current?.silence || current.silence.id !== silenceId) return undefined;
    ended = current.silence;
    held = current.held === true;
    return { group: { ...current, silence: undefined, held: undefined, changes: current.changes + 1 } };
  });
  await store.unindexSilence(groupId);
  if (!changed) return undefined;
  // Unsilenced before its time: its end is not waited for (from the expiry job itself this finds it running).
  await services.jobs.cancel(silenceExpiryQueue, expiryJobId(groupId, silenceId));
  if (!held) await publishGroup(services, changed.group, { line });
  // It fired again while silenced: its first message, as if it had just started (nobody saw it).
  else if (changed.group.state === 'firing') await publishGroup(services, changed.group, { isNew: true });
  return ended;
}

/** Ends a silence when its time is up, and audits that it did. */
export function silenceExpiryHandler(
  services: SilenceServices & Pick<Services, 'audit' | 'now'>,
  store: AlertStore,
): JobHandler<SilenceExpiryJob> {
  return {
    queue: silenceExpiryQueue,
    async process(data, ctx) {
      const now = services.now().getTime();
      // Early (a clock moved back, a promoted job): wait for the rest.
      if (data.until > now) await ctx.later(data.until - now);
      const ended = await endSilenceHere(services, store, data.groupId, data.silenceId, ':bell: Silence ended');
      if (!ended) return { skipped: 'not-silenced' };
      await services.audit.append({
        actor: ended.userId,
        action: 'alerts.silence-expire',
        target: `alert-group/${data.groupId}`,
        outcome: 'ok',
        detail: 'the silence ended on its own',
        at: services.now(),
      });
      return { ended: data.silenceId };
    },
  };
}
