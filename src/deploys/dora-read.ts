import { resolvedIncidents } from '../incidents/api.js';
import type { Deploy } from './deploy.js';
import type { DeployDesk } from './desk.js';
import { DORA_WINDOWS, type DoraFigures, doraFigures } from './dora.js';

/** The service's DORA figures over each window, from its deploy history and its incidents resolved in the longest. */
export async function readDora(desk: DeployDesk, service: string, history: readonly Deploy[]): Promise<DoraFigures[]> {
  const now = desk.services.now().getTime();
  const longest = Math.max(...DORA_WINDOWS);
  const incidents = await resolvedIncidents(desk.services, service, now - longest * 86_400_000);
  const restores = incidents.flatMap((incident) =>
    incident.resolvedAt === undefined ? [] : [{ declaredAt: incident.declaredAt, resolvedAt: incident.resolvedAt }],
  );
  return DORA_WINDOWS.map((days) => doraFigures(history, restores, now, days));
}
