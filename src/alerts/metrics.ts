import { Counter, Histogram, type Registry } from 'prom-client';

/** The alerts capability's metrics; labels are bounded (source: three values). */
export interface AlertMetrics {
  received: Counter<'source'>;
  deduplicated: Counter<'source'>;
  delivered: Counter<'kind'>;
  latency: Histogram;
}

export function alertMetrics(registry: Registry): AlertMetrics {
  return {
    received: new Counter({
      name: 'opsdeck_alerts_received_total',
      help: 'Alerts received by webhook, by sender',
      labelNames: ['source'],
      registers: [registry],
    }),
    deduplicated: new Counter({
      name: 'opsdeck_alerts_deduplicated_total',
      help: 'Alerts dropped as already known (same fingerprint, status and start), by sender',
      labelNames: ['source'],
      registers: [registry],
    }),
    delivered: new Counter({
      name: 'opsdeck_alerts_delivered_total',
      help: 'Alert group changes handed to the Slack outbox: kind post (a new message) or update (an edit)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'opsdeck_alerts_delivery_seconds',
      help: 'From the webhook arriving to its group message being handed to the Slack outbox',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
  };
}
