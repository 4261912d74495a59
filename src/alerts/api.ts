import type { Services } from '../platform/services.js';
import { AlertStore } from './store.js';

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
