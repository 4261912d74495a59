import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { alertsConfig } from './config.js';
import { digestKey, digestMessage } from './messages.js';
import { publishGroup } from './publish.js';
import type { AlertGroup } from './rules.js';
import { type AlertStore, POST_INTERVAL_MS } from './store.js';

const drainJob = z.object({ channel: z.string().regex(/^[CGD][A-Z0-9]+$/), n: z.int().positive() });
export type DrainJob = z.output<typeof drainJob>;

/** One per storm digest: waits until its channel's backlog is down, then gives each firing group its own message. */
export const drainQueue = defineQueue<DrainJob>({
  name: 'alerts-drain',
  schema: drainJob,
  jobId: (data) => `drain-${data.channel}-${data.n}`,
  attempts: 10,
  backoff: { type: 'exponential', delayMs: 1000 },
  onStall: 'rerun',
});

type DigestServices = Pick<Services, 'outbox' | 'jobs'>;

/** Shows digest `n` of `channel` as it is now (posted the first time, edited afterwards). */
export async function publishDigest(services: DigestServices, store: AlertStore, channel: string, n: number) {
  const key = digestKey(channel, n);
  const message = digestMessage(await store.digestGroups(channel, n), n);
  if (await services.outbox.ref(key)) await services.outbox.update({ key, message });
  else {
    await services.outbox.post({ key, channel, message });
    await services.outbox.update({ key, message });
  }
}

/** Lists a new group in its channel's digest instead of posting its own message, and makes sure a drain will come. */
export async function digestGroup(services: DigestServices, store: AlertStore, group: AlertGroup, now: number) {
  const n = await store.currentDigest(group.channel);
  await store.change(group.id, (current) =>
    current && current.epoch === group.epoch ? { group: { ...current, digest: n } } : undefined,
  );
  await store.addToDigest(group.channel, n, group.id, now);
  await publishDigest(services, store, group.channel, n);
  await services.jobs.enqueue(drainQueue, { channel: group.channel, n });
}

/** The drain: once the channel's backlog is at most half the threshold, firing groups get their own message. */
export function drainHandler(
  services: DigestServices & Pick<Services, 'catalog'>,
  store: AlertStore,
): JobHandler<DrainJob> {
  return {
    queue: drainQueue,
    async process({ channel, n }, ctx) {
      const backlog = await store.backlog(channel);
      const quiet = Math.floor(alertsConfig.of(services.catalog).digestBacklog / 2);
      if (backlog > quiet) await ctx.later((backlog - quiet) * POST_INTERVAL_MS);
      await store.closeDigest(channel, n);
      let posted = 0;
      for (const listed of await store.digestGroups(channel, n)) {
        const changed = await store.change(listed.id, (group) =>
          group && group.digest === n && group.state === 'firing'
            ? { group: { ...group, digest: undefined } }
            : undefined,
        );
        if (!changed) continue;
        await publishGroup(services, changed.group, { isNew: true });
        await store.reservePost(channel);
        posted++;
      }
      await publishDigest(services, store, channel, n);
      return { posted };
    },
  };
}
