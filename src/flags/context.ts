import { lazy } from '../platform/lazy.js';
import type { Services } from '../platform/services.js';
import { type FlagsSettings, flagsConfig } from './config.js';
import { FlagDesk } from './desk.js';
import { Evaluator } from './evaluator.js';
import { type FlagMetrics, flagMetrics } from './metrics.js';
import { RolloutDesk } from './rollouts.js';

/** Until ops.yml has a `flags:` section there are no environments: the commands say how to set one up. */
const NOT_CONFIGURED: FlagsSettings = { environments: {}, approval: {}, staleAfter: 30 * 86_400_000, role: 'deployer' };

/** What the flags capability's handlers share in one process. */
export interface FlagsContext {
  configured: boolean;
  settings: FlagsSettings;
  desk: FlagDesk;
  evaluator: Evaluator;
  metrics: FlagMetrics;
  rollouts: RolloutDesk;
}

export type FlagsServices = Pick<
  Services,
  | 'redis'
  | 'key'
  | 'keysOf'
  | 'catalog'
  | 'outbox'
  | 'jobs'
  | 'audit'
  | 'permissions'
  | 'approvals'
  | 'metrics'
  | 'logger'
  | 'now'
  | 'subscribe'
>;

/**
 * The process's flags context, made on first use: the desk, the in-memory evaluator (subscribed to every write, and
 * re-checking revisions after a reconnect) and the metrics.
 */
export function flagsContext(services: FlagsServices): () => FlagsContext {
  return lazy(() => {
    const section = flagsConfig.of(services.catalog);
    const configured = section !== undefined;
    const settings = section ?? NOT_CONFIGURED;
    const metrics = flagMetrics(services.metrics);
    const desk = new FlagDesk(services, settings, metrics);
    const log = services.logger;
    const evaluator = new Evaluator((environment) => desk.store.snapshot(environment), log);
    if (configured) {
      services.subscribe(desk.store.channel, {
        message(text) {
          const [environment, revision] = text.split(' ');
          if (!environment || !revision) return;
          evaluator.announced(environment, Number(revision)).catch((err) => log.warn({ err }, 'flags reload failed'));
        },
        reconnected() {
          evaluator
            .recheck((environment) => desk.store.revision(environment))
            .catch((err) => log.warn({ err }, 'flags recheck failed'));
        },
      });
    }
    return {
      configured,
      settings,
      desk,
      evaluator,
      metrics,
      rollouts: new RolloutDesk(
        services,
        () => desk,
        () => metrics,
      ),
    };
  });
}
