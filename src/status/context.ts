import { deployableServices, recentDeploys } from '../deploys/api.js';
import { type FlagChangeSummary, flagChangesFor } from '../flags/api.js';
import { openIncidents as readOpenIncidents } from '../incidents/api.js';
import type { Services } from '../platform/services.js';
import { type LastDeploy, lastDeployOf } from './rules.js';

/** What `/ops status` shows beside the checks, read from other capabilities' stores once per request. */
export interface StatusContext {
  /** By service. */
  lastDeploys: Record<string, LastDeploy>;
  /** Open incidents by service (those declared for a service). */
  openIncidents?: Record<string, number>;
  /** For one service (`/ops status <service>`): changes of the flags that name it, in the last two hours. */
  flagChanges?: Record<string, FlagChangeSummary[]>;
}

/** How far back `/ops status <service>` looks for flag changes. */
const FLAG_WINDOW_MS = 2 * 3_600_000;

/**
 * Each service's last deploy (every service's, or `only`'s), from deploys' history of its environments, and its open
 * incidents, through their published interfaces; neither imports status.
 */
export async function readContext(
  from: Pick<Services, 'redis' | 'keysOf' | 'catalog' | 'now'>,
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
  if (only === undefined) return { lastDeploys, openIncidents };
  const now = from.now().getTime();
  const flagChanges = { [only]: (await flagChangesFor(from, only, now - FLAG_WINDOW_MS, now)).slice(0, 5) };
  return { lastDeploys, openIncidents, flagChanges };
}
