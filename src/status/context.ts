import { deployableServices, recentDeploys } from '../deploys/api.js';
import { openIncidents as readOpenIncidents } from '../incidents/api.js';
import type { Services } from '../platform/services.js';
import { type LastDeploy, lastDeployOf } from './rules.js';

/** What `/ops status` shows beside the checks, read from other capabilities' stores once per request. */
export interface StatusContext {
  /** By service. */
  lastDeploys: Record<string, LastDeploy>;
  /** Open incidents by service (those declared for a service). */
  openIncidents?: Record<string, number>;
}

/**
 * Each service's last deploy (every service's, or `only`'s), from deploys' history of its environments, and its open
 * incidents, through their published interfaces; neither imports status.
 */
export async function readContext(
  from: Pick<Services, 'redis' | 'keysOf' | 'catalog'>,
  only?: string,
): Promise<StatusContext> {
  const services = deployableServices(from.catalog).filter(({ service }) => only === undefined || service === only);
  const [entries, open] = await Promise.all([
    Promise.all(
      services.map(async ({ service, environments }) => {
        const histories = await Promise.all(
          environments.map((environment) => recentDeploys(from, service, environment, 1)),
        );
        return [service, lastDeployOf(histories)] as const;
      }),
    ),
    readOpenIncidents(from),
  ]);
  const lastDeploys: Record<string, LastDeploy> = {};
  for (const [service, last] of entries) if (last) lastDeploys[service] = last;
  const openIncidents: Record<string, number> = {};
  for (const incident of open) {
    if (incident.service !== undefined) openIncidents[incident.service] = (openIncidents[incident.service] ?? 0) + 1;
  }
  return { lastDeploys, openIncidents };
}
