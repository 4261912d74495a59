import { Counter, Histogram, type Registry } from 'prom-client';

export interface RunbookMetrics {
  runs: Counter<'runbook' | 'outcome'>;
  stepDuration: Histogram<'runbook' | 'kind'>;
  experiments: Counter<'experiment' | 'outcome'>;
}

/** Labels are names from ops.yml and fixed outcomes: bounded. */
export function runbookMetrics(registry: Registry): RunbookMetrics {
  return {
    runs: new Counter({
      name: 'opsdeck_runbook_runs_total',
      help: 'Runbook runs finished, by runbook and outcome (succeeded, failed, cancelled, rejected).',
      labelNames: ['runbook', 'outcome'],
      registers: [registry],
    }),
    stepDuration: new Histogram({
      name: 'opsdeck_runbook_step_duration_seconds',
      help: 'How long runbook and experiment steps ran, by runbook (or experiment) and step kind.',
      labelNames: ['runbook', 'kind'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300],
      registers: [registry],
    }),
    experiments: new Counter({
      name: 'opsdeck_experiments_total',
      help: 'Chaos experiments finished, by experiment and outcome (completed, deviated, failed, aborted, cancelled).',
      labelNames: ['experiment', 'outcome'],
      registers: [registry],
    }),
  };
}
