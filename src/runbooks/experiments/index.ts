import { defineCapability } from '../../platform/capability.js';
import { experimentsConfig } from '../config.js';

/**
 * The `experiments:` section of ops.yml. An ops.yml section belongs to the capability named after it, so chaos
 * experiments are declared here; `/ops experiment` and the runs themselves are the runbooks capability's (same
 * engine, gates, Cancel and crash handling).
 */
export const experiments = defineCapability({
  name: 'experiments',
  title: 'Chaos experiments',
  config: experimentsConfig,
  uses: [],
  build: () => ({}),
});
