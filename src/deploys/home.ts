import { deployableServices } from './config.js';
import type { DeployDesk } from './desk.js';
import { readDora } from './dora-read.js';
import { deploysHome } from './messages.js';
import { currentVersion } from './rules.js';

/** The Home section: what runs where, per service and environment, and each service's DORA keys. */
export async function homeSection(desk: DeployDesk) {
  const { store, services } = desk;
  const perService = await Promise.all(
    deployableServices(services.catalog).map(async ({ service, environments }) => {
      const histories = await Promise.all(environments.map((environment) => store.history(service, environment)));
      const rows = environments.map((environment, i) => ({
        service,
        environment,
        current: currentVersion(histories[i]!),
        latest: histories[i]![0],
      }));
      return { rows, dora: { service, figures: await readDora(desk, service, histories.flat()) } };
    }),
  );
  return deploysHome(
    perService.flatMap((s) => s.rows),
    perService.map((s) => s.dora),
  );
}
