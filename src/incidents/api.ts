/**
 * What incidents offers other capabilities; they import only this file from `src/incidents/`.
 */
import type { Services } from '../platform/services.js';
import type { Incident } from './incident.js';
import { IncidentStore } from './store.js';

/** An incident as others see it. */
export interface IncidentView
  extends Pick<Incident, 'id' | 'title' | 'severity' | 'service' | 'state' | 'channel' | 'declaredAt'> {
  /** When it was resolved (ms), while it is. */
  resolvedAt?: number;
}

const view = (incident: Incident): IncidentView => ({
  id: incident.id,
  title: incident.title,
  severity: incident.severity,
  service: incident.service,
  state: incident.state,
  channel: incident.channel,
  declaredAt: incident.declaredAt,
  resolvedAt: incident.resolved?.at,
});

/** Open incidents anywhere, oldest first. */
export async function openIncidents(services: Pick<Services, 'redis' | 'keysOf'>): Promise<IncidentView[]> {
  return (await new IncidentStore(services.redis, services.keysOf('incidents')).open()).map(view);
}

/** A service's incidents resolved since `since` (ms), newest first: for time to restore. */
export async function resolvedIncidents(
  services: Pick<Services, 'redis' | 'keysOf'>,
  service: string,
  since: number,
): Promise<IncidentView[]> {
  const store = new IncidentStore(services.redis, services.keysOf('incidents'));
  return (await store.resolvedSince(service, since)).map(view);
}
