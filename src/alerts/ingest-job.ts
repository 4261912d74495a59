import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { JobHandler } from '../platform/capability.js';
import { defineQueue } from '../platform/queue.js';
import type { Services } from '../platform/services.js';
import { runbookIn } from '../runbooks/api.js';
import { alertsConfig } from './config.js';
import { digestGroup, publishDigest } from './digest.js';
import { runbookFiringQueue } from './firing-queue.js';
import { runbookOf, threadKeyOf } from './messages.js';
import type { AlertMetrics } from './metrics.js';
import { publishGroup } from './publish.js';
import { followLead, mayRelate, relateNew } from './relate.js';
import { type AlertGroup, applyBatch, batchGroupKey, commonLabels, groupIdOf, routeFor } from './rules.js';
import { type AlertBatch, AlertBatchSchema } from './schemas.js';
import type { AlertStore } from './store.js';

const ingestJob = AlertBatchSchema.extend({ id: z.uuid() });
export type IngestJob = z.output<typeof ingestJob>;

/**
 * One webhook body, read into a batch, waiting for a worker. Every body is its own job: duplicates (HA pairs, the
 * sender's retries) are dropped by the dedupe rule, which also counts them.
 */
export const ingestQueue = defineQueue<IngestJob>({
  name: 'alerts-ingest',
  schema: ingestJob,
  jobId: (data) => `alerts-${data.id}`,
  attempts: 10,
  backoff: { type: 'exponential', delayMs: 500 },
  onStall: 'rerun',
});

/** Enqueues a batch; resolves once it is durably in Redis (the webhook answers 2xx only then). */
export async function enqueueBatch(services: Pick<Services, 'jobs'>, batch: AlertBatch): Promise<string> {
  const id = randomUUID();
  await services.jobs.enqueue(ingestQueue, { ...batch, id });
  return id;
}

/**
 * Applies a batch to its group and shows the result: a new message for a new group, an edit and a thread line for a
 * change, nothing for duplicates. Rerun-safe: a rerun finds its alerts already applied (duplicates) and only makes
 * sure the group's message was asked for.
 */
export function ingestHandler(
  services: Pick<Services, 'catalog' | 'outbox' | 'logger' | 'jobs' | 'home' | 'now'>,
  store: AlertStore,
  lazyMetrics: () => AlertMetrics,
): JobHandler<IngestJob> {
  return {
    queue: ingestQueue,
    async process(batch) {
      const metrics = lazyMetrics();
      metrics.received.inc({ source: batch.source }, batch.alerts.length);
      const id = groupIdOf(batch.source, batchGroupKey(batch));
      const route = routeFor(commonLabels(batch.alerts), services.catalog);
      if (!route) {
        services.logger.warn(
          { groupKey: batchGroupKey(batch) },
          'alert group has no channel: add an alerts route, a service channel or slack.alertsChannel',
        );
        return { dropped: 'no-channel' };
      }
      const now = services.now().getTime();
      let stateBefore: AlertGroup['state'] | undefined;
      const applied = await store.change(id, (group) => {
        stateBefore = group?.state;
        return applyBatch(group, batch, route, now);
      });
      // Resolved alerts of a group never seen firing: nothing was stored and nothing is posted.
      if (!applied) return { dropped: 'resolved-unseen' };
      // Open Home tabs list the open groups: a group opening or resolving changes that list.
      if (!applied.unchanged && applied.group.state !== stateBefore) await services.home.changed();
      if (applied.duplicates > 0) metrics.deduplicated.inc({ source: batch.source }, applied.duplicates);
      let group = applied.group;
      let lead: AlertGroup | undefined;
      if (mayRelate(services, group, now)) {
        // A new message, or a rerun that has not placed it yet: in a related group's thread if one leads.
        ({ group, lead } = await relateNew(services, store, group, now));
      }
      // Silenced here since before this epoch began: kept, counted, not shown until the silence ends.
      if (group.held) return { group: id, held: true };
      await announceFiring(services, group);
      if (group.digest !== undefined) {
        // Waiting in a storm digest: the digest shows the change; the drain posts the group's own message.
        if (!applied.unchanged) await publishDigest(services, store, group.channel, group.digest);
        return { group: id, digest: group.digest };
      }
      if (lead) {
        const { posts } = await publishGroup(services, group, { isNew: true });
        await publishGroup(services, lead);
        for (let i = 0; i < posts; i++) await store.reservePost(group.channel);
        metrics.delivered.inc({ kind: 'post' });
        return { group: id, relatedTo: lead.id, duplicates: applied.duplicates };
      }
      if (applied.unchanged) {
        await publishGroup(services, group, { isNew: true });
        return { group: id, duplicates: applied.duplicates };
      }
      // A new group claims its place in the channel's line, or is digested when too many posts wait already.
      if (
        applied.newMessage &&
        !(await store.claimPost(group.channel, alertsConfig.of(services.catalog).digestBacklog))
      ) {
        await digestGroup(services, store, group, now);
        metrics.digested.inc();
        return { group: id, digest: true };
      }
      const { kind, posts } = await publishGroup(services, group, {
        isNew: applied.newMessage,
        line: applied.line,
        receivedAt: batch.receivedAt,
      });
      // A related group's change shows on its lead's "also firing" line too.
      if (group.relatedTo) await followLead(services, store, group);
      const claimed = applied.newMessage ? 1 : 0;
      for (let i = claimed; i < posts; i++) await store.reservePost(group.channel);
      // The latency is observed when Slack shows the change (the capability's `delivered`), not here.
      metrics.delivered.inc({ kind });
      return { group: id, kind, duplicates: applied.duplicates };
    },
  };
}

/**
 * A firing group that names a runbook ops.yml defines: its firing is announced on the runbook-firing queue (the
 * runbooks capability starts the runbook when it says `auto: true`). Every delivery of a firing group announces it,
 * duplicates and reruns included, so a crash between storing the group and this enqueue loses nothing; the job id is
 * the firing, so however many deliveries there are, one job runs per firing.
 */
async function announceFiring(services: Pick<Services, 'catalog' | 'jobs'>, group: AlertGroup): Promise<void> {
  if (group.state !== 'firing') return;
  const runbook = runbookIn(services.catalog, runbookOf(group));
  if (runbook === undefined) return;
  const service = commonLabels(Object.values(group.alerts)).service;
  await services.jobs.enqueue(runbookFiringQueue, {
    group: group.id,
    epoch: group.epoch,
    refire: group.flaps,
    source: group.source,
    runbook,
    ...(service !== undefined && { service }),
    channel: group.channel,
    messageKey: threadKeyOf(group),
  });
}
