import { defineCapability } from '../platform/capability.js';
import { lazy } from '../platform/lazy.js';
import { ackButton, silenceButtons } from './buttons.js';
import { alertsCommand, alertsHome } from './commands.js';
import { alertsConfig } from './config.js';
import { drainHandler } from './digest.js';
import { ingestHandler } from './ingest-job.js';
import { alertMetrics, channelBacklogs } from './metrics.js';
import { alertmanagerSilences } from './providers/alertmanager.js';
import { silenceHandler } from './silence-job.js';
import { silenceExpiryHandler } from './silences.js';
import { AlertStore } from './store.js';
import { alertWebhooks } from './webhooks.js';

/**
 * Alerts from Alertmanager, Grafana and anything that can POST JSON: one message per alert group, edited in place
 * through the outbox, with Acknowledge and Silence buttons, routed by ops.yml's `alerts:` section.
 */
export const alerts = defineCapability({
  name: 'alerts',
  title: 'Alerts',
  uses: ['jobs', 'outbox', 'catalog', 'redis', 'key', 'metrics', 'logger', 'home', 'now', 'audit'],
  config: alertsConfig,
  build: (services) => {
    const store = new AlertStore(services.redis, services.key);
    const metrics = lazy(() => alertMetrics(services.metrics, () => channelBacklogs(services.catalog, store)));
    const silences = lazy(() => {
      const url = alertsConfig.of(services.catalog).alertmanagerUrl;
      return url ? alertmanagerSilences(url) : undefined;
    });
    return {
      home: () => alertsHome(store, services),
      routes: alertWebhooks(services),
      subcommands: [alertsCommand(store, services)],
      actions: [ackButton(store, services), ...silenceButtons(store, services, silences)],
      // The outbox reports each group message Slack took, from the webhook's arrival.
      delivered: (write) => metrics().latency.observe(write.seconds),
      jobs: [
        ingestHandler(services, store, metrics),
        silenceHandler(services, store, silences),
        drainHandler(services, store),
        silenceExpiryHandler(services, store),
      ],
    };
  },
});
