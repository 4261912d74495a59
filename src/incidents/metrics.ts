import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Incident } from './incident.js';

export interface IncidentMetrics {
  timeToAcknowledge: Histogram<'severity'>;
  timeToResolve: Histogram<'severity'>;
}

/** Minutes to days: incidents are acknowledged in minutes and resolved in hours. */
const BUCKETS = [30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 43_200, 86_400, 259_200];

/**
 * The incidents' metrics (label: the severity, from ops.yml: bounded). `opsdeck_incidents_open` is read from Redis when
 * scraped, so every process reports the same numbers however many workers changed them.
 */
export function incidentMetrics(
  registry: Registry,
  severities: readonly string[],
  open: () => Promise<Incident[]>,
): IncidentMetrics {
  const existing = registry.getSingleMetric('opsdeck_incident_time_to_acknowledge_seconds');
  if (existing) {
    return {
      timeToAcknowledge: existing as IncidentMetrics['timeToAcknowledge'],
      timeToResolve: registry.getSingleMetric(
        'opsdeck_incident_time_to_resolve_seconds',
      ) as IncidentMetrics['timeToResolve'],
    };
  }
  new Gauge({
    name: 'opsdeck_incidents_open',
    help: 'Open incidents, by severity',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const severity of severities) this.set({ severity }, 0);
      for (const incident of await open()) this.inc({ severity: incident.severity });
    },
  });
  return {
    timeToAcknowledge: new Histogram({
      name: 'opsdeck_incident_time_to_acknowledge_seconds',
      help: 'From declaration to the first acknowledgement (MTTA), by severity',
      labelNames: ['severity'],
      buckets: BUCKETS,
      registers: [registry],
    }),
    timeToResolve: new Histogram({
      name: 'opsdeck_incident_time_to_resolve_seconds',
      help: 'From declaration to resolution (MTTR), by severity',
      labelNames: ['severity'],
      buckets: BUCKETS,
      registers: [registry],
    }),
  };
}
