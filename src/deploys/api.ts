/**
 * What deploys offers other capabilities; they import only this file from `src/deploys/`, and everything else in the
 * folder may change without them noticing.
 */
import type { Services } from '../platform/services.js';
import type { Deploy } from './deploy.js';
import { DeployStore } from './store.js';

export { deployableServices } from './config.js';
export type { Deploy, DeployStatus } from './deploy.js';

/** The latest `count` deploys and rollbacks of a service to one environment, newest first. */
export function recentDeploys(
  services: Pick<Services, 'redis' | 'keysOf'>,
  service: string,
  environment: string,
  count: number,
): Promise<Deploy[]> {
  return new DeployStore(services.redis, services.keysOf('deploys')).history(service, environment, count);
}
