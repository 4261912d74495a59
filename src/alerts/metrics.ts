import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Catalog } from '../config/catalog.js';
import { alertsConfig } from './config.js';
import type { AlertStore } from './store.js';

/** The alerts capability's metrics; labels are bounded (source: four values). */
export interface AlertMetrics {
  received: Counter<'source'>;
  deduplicated: Counter<'source'>;
  delivered: Counter<'kind'>;
  latency: Histogram;
  digested: Counter;
}

/**
 * @param backlogs the alert channels' posts still waiting for their line, read when Prometheus scrapes (channels come
 *   from ops.yml, so the label is bounded)
 */
export function alertMetrics(registry: Registry, backlogs: () => Promise<Map<string, number>>): AlertMetrics {
  new Gauge({
    name: 'opsdeck_alerts_channel_backlog',
    help: 'Alert posts waiting for their channel (one post a second per channel), per alert channel',
    labelNames: ['channel'],
    registers: [registry],
    async collect() {
      for (const [channel, backlog] of await backlogs()) this.set({ channel }, backlog);
    },
  });
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
      help: 'From the webhook arriving to Slack showing its group message (posted or edited)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    digested: new Counter({
      name: 'opsdeck_alerts_digested_total',
      help: 'New alert groups listed in a storm digest because their channel was backlogged',
      registers: [registry],
    }),
  };
}

/** Every channel alerts may post in (ops.yml's routes, services and `slack.alertsChannel`), with its backlog. */
export async function channelBacklogs(catalog: Catalog, store: AlertStore): Promise<Map<string, number>> {
  const { services, slack } = catalog;
  const alerts = alertsConfig.of(catalog);
  const channels = new Set(
    [
      slack.alertsChannel,
      ...alerts.routes.map((r) => r.channel),
      ...Object.values(services).map((s) => s.channel),
    ].filter((channel): channel is string => channel !== undefined),
  );
  return new Map(await Promise.all([...channels].map(async (c) => [c, await store.backlog(c)] as const)));
}
