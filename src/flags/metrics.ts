import { Counter, type Registry } from 'prom-client';

/** The flags capability's metrics. `flag` is bounded by the flags people created; unknown keys count as one label. */
export interface FlagMetrics {
  evaluations: Counter<'flag' | 'environment' | 'reason'>;
  changes: Counter<'environment' | 'operation'>;
  halts: Counter<'environment'>;
}

const made = new WeakMap<Registry, FlagMetrics>();

/** One set per registry: the flags capability and a runbook's `flag` step (through `api.ts`) count into the same. */
export function flagMetrics(registry: Registry): FlagMetrics {
  const existing = made.get(registry);
  if (existing) return existing;
  const metrics = makeMetrics(registry);
  made.set(registry, metrics);
  return metrics;
}

function makeMetrics(registry: Registry): FlagMetrics {
  return {
    evaluations: new Counter({
      name: 'opsdeck_flag_evaluations_total',
      help: 'OFREP flag evaluations, by flag, environment and reason (errors by their code)',
      labelNames: ['flag', 'environment', 'reason'],
      registers: [registry],
    }),
    changes: new Counter({
      name: 'opsdeck_flag_changes_total',
      help: 'Flag changes applied, by environment and operation (on, off, rollout, target, create, archive)',
      labelNames: ['environment', 'operation'],
      registers: [registry],
    }),
    halts: new Counter({
      name: 'opsdeck_flag_rollout_halts_total',
      help: 'Guarded progressive rollouts halted by their guard, by environment',
      labelNames: ['environment'],
      registers: [registry],
    }),
  };
}
