import { deployableServices } from './config.js';
import type { DeployDesk } from './desk.js';
import { deploysHome } from './messages.js';
import { currentVersion } from './rules.js';

/** The Home section: what runs where, per service and environment, from the recorded history. */
export async function homeSection(desk: DeployDesk) {
  const { store, services } = desk;
  const rows = await Promise.all(
    deployableServices(services.catalog).flatMap(({ service, environments }) =>
      environments.map(async (environment) => {
        const history = await store.history(service, environment, 20);
        return { service, environment, current: currentVersion(history), latest: history[0] };
      }),
    ),
  );
  return deploysHome(rows);
}
