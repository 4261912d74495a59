import type { Catalog } from '../config/catalog.js';
import type { DeployStore } from '../deploys/store.js';
import { type LastDeploy, lastDeployOf } from './rules.js';

/** What `/ops status` shows beside the checks, read from other capabilities' stores once per request. */
export interface StatusContext {
  /** By service. */
  lastDeploys: Record<string, LastDeploy>;
  /**
   * Open incidents by service. The seam for the incidents capability: once it lands, `readContext` fills this from
   * its store (status imports incidents' store, never the other way round); the messages already show it.
   */
  openIncidents?: Record<string, number>;
}

/** Each service's last deploy (every service's, or `only`'s), from deploys' history of its environments. */
export async function readContext(deploys: DeployStore, catalog: Catalog, only?: string): Promise<StatusContext> {
  const services = Object.entries(catalog.services).filter(
    ([service, config]) => (only === undefined || service === only) && config.deploy !== undefined,
  );
  const entries = await Promise.all(
    services.map(async ([service, config]) => {
      const environments = Object.keys(config.deploy?.environments ?? {});
      const histories = await Promise.all(environments.map((environment) => deploys.history(service, environment, 1)));
      return [service, lastDeployOf(histories)] as const;
    }),
  );
  const lastDeploys: Record<string, LastDeploy> = {};
  for (const [service, last] of entries) if (last) lastDeploys[service] = last;
  return { lastDeploys };
}
