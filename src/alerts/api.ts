/**
 * What alerts offers other capabilities; they import only this file from `src/alerts/`. Incidents declare from an
 * alert group (its Declare incident button and the group's labels); status raises and resolves a group for a
 * scheduled check through the same pipeline as a webhook's alert; a guarded flag rollout halts on firing groups.
 */
import type { Services } from '../platform/services.js';
import { enqueueBatch } from './ingest-job.js';
import { parseButtonValue, runbookOf, threadKeyOf } from './messages.js';
import { batchFromCheck, commonLabels } from './rules.js';
import { AlertStore } from './store.js';

export { type AlertsSettings, alertsConfig } from './config.js';
/** Each firing of a group that names a runbook, announced once: the runbooks capability processes the queue. */
export { type RunbookFiring, runbookFiringQueue } from './firing-queue.js';
/** The action id of an alert's Declare incident button; the incidents capability handles it. */
export { DECLARE_INCIDENT_ACTION, RUN_RUNBOOK_ACTION } from './messages.js';

/** An alert group as others see it: enough to declare an incident from it. */
export interface AlertGroupView {
  id: string;
  /** Its alertname. */
  title: string;
  /** The labels every alert of the group shares. */
  labels: Record<string, string>;
  /** The first alert's summary and description annotations. */
  summary?: string;
  description?: string;
  /** The runbook it names (label or annotation `runbook`). */
  runbook?: string;
  /**
   * Where its message is, and the outbox key of the message whose thread a run started from it posts in: its own, or
   * its lead's when it is a related group in that thread.
   */
  channel: string;
  messageKey: string;
}

type Reader = Pick<Services, 'redis' | 'keysOf'>;

/** The group an alert's Declare incident button points at (its value), or undefined when it is no longer kept. */
export async function alertGroupOfButton(
  services: Reader,
  value: string | undefined,
): Promise<AlertGroupView | undefined> {
  const target = parseButtonValue(value);
  return target && alertGroup(services, target.id);
}

/** An alert group by id, or undefined when it is no longer kept. */
export async function alertGroup(services: Reader, id: string): Promise<AlertGroupView | undefined> {
  const group = await new AlertStore(services.redis, services.keysOf('alerts')).get(id);
  if (!group) return undefined;
  const labels = commonLabels(Object.values(group.alerts));
  const annotations = Object.values(group.alerts)[0]?.annotations ?? {};
  return {
    id: group.id,
    title: labels.alertname ?? group.groupLabels.alertname ?? 'Alert',
    labels,
    summary: annotations.summary,
    description: annotations.description,
    ...(runbookOf(group) !== undefined && { runbook: runbookOf(group) }),
    channel: group.channel,
    messageKey: threadKeyOf(group),
  };
}

/** A scheduled check's alert: raised after its failures in a row, resolved when it passes again. */
export type CheckAlert = Parameters<typeof batchFromCheck>[0];

/**
 * Raises (`status: 'firing'`) or resolves a check's alert group: one group per service and check, in the service's
 * channel or as `alerts.routes` say, through the same durable pipeline as a webhook's alert.
 */
export async function raiseCheckAlert(services: Pick<Services, 'jobs'>, alert: CheckAlert): Promise<void> {
  await enqueueBatch(services, batchFromCheck(alert));
}

/** What other capabilities may know of alerts: the groups firing for a service. */
export interface FiringGroup {
  id: string;
  /** The group's alert name (or its group key). */
  name: string;
  since: number;
}

/**
 * Alert groups firing now whose labels (group labels or any alert's) name `service`: a guarded flag rollout halts on
 * them.
 */
export async function firingGroupsFor(
  services: Pick<Services, 'redis' | 'keysOf'>,
  service: string,
): Promise<FiringGroup[]> {
  const store = new AlertStore(services.redis, services.keysOf('alerts'));
  const open = await store.open();
  return open
    .filter((group) => group.state === 'firing')
    .filter(
      (group) =>
        group.groupLabels.service === service ||
        Object.values(group.alerts).some((alert) => alert.labels.service === service),
    )
    .map((group) => ({
      id: group.id,
      name: group.groupLabels.alertname ?? Object.values(group.alerts)[0]?.labels.alertname ?? group.groupKey,
      since: group.since,
    }));
}
