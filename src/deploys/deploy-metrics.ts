import { Counter, Histogram, type Registry } from 'prom-client';

export interface DeployMetrics {
  deploys: Counter<'service' | 'environment' | 'outcome'>;
  duration: Histogram<'service' | 'environment'>;
  rollbacks: Counter<'service' | 'environment'>;
}

/** The deploys' metrics (labels: the catalog's services and environments, and a final status: all bounded). */
export function deployMetrics(registry: Registry): DeployMetrics {
  const existing = registry.getSingleMetric('opsdeck_deploys_total');
  if (existing) {
    return {
      deploys: existing as DeployMetrics['deploys'],
      duration: registry.getSingleMetric('opsdeck_deploy_duration_seconds') as DeployMetrics['duration'],
      rollbacks: registry.getSingleMetric('opsdeck_rollbacks_total') as DeployMetrics['rollbacks'],
    };
  }
  return {
    deploys: new Counter({
      name: 'opsdeck_deploys_total',
      help: 'Deploys that reached a final state, by service, environment and outcome',
      labelNames: ['service', 'environment', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'opsdeck_deploy_duration_seconds',
      help: 'From approval to the final state, for deploys that ran',
      labelNames: ['service', 'environment'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
      registers: [registry],
    }),
    rollbacks: new Counter({
      name: 'opsdeck_rollbacks_total',
      help: 'Rollbacks requested, by service and environment',
      labelNames: ['service', 'environment'],
      registers: [registry],
    }),
  };
}
