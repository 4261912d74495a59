import { webhook } from '../platform/capability.js';
import type { Services } from '../platform/services.js';
import { enqueueBatch } from './ingest-job.js';
import { batchFromAlertmanager, batchFromGeneric } from './rules.js';
import { AlertmanagerWebhookSchema, GenericWebhookSchema, GrafanaWebhookSchema } from './schemas.js';

/**
 * Body cap of Alertmanager's and Grafana's webhooks. They send the whole group each time and do not retry a 4xx, so a
 * refused body is a lost alert: 8 MiB holds ~10,000 alerts of a typical size. Documented in the README beside
 * Alertmanager's `max_alerts`, which keeps a group's body under it.
 */
export const GROUP_WEBHOOK_MAX_BODY = 8 * 1024 * 1024;

/** Answer of a webhook once its body is durably queued. */
const queued = (id: string) => ({ status: 202, body: { queued: id } });

/** Alertmanager's, Grafana's and the generic webhook: each body is read into a batch and queued for the ingest job. */
export function alertWebhooks(services: Pick<Services, 'jobs' | 'now'>) {
  return [
    webhook({
      path: 'alertmanager',
      schema: AlertmanagerWebhookSchema,
      maxBodyBytes: GROUP_WEBHOOK_MAX_BODY,
      handle: async (body) =>
        queued(await enqueueBatch(services, batchFromAlertmanager('alertmanager', body, services.now().getTime()))),
    }),
    webhook({
      path: 'grafana',
      schema: GrafanaWebhookSchema,
      maxBodyBytes: GROUP_WEBHOOK_MAX_BODY,
      handle: async (body) =>
        queued(await enqueueBatch(services, batchFromAlertmanager('grafana', body, services.now().getTime()))),
    }),
    webhook({
      path: 'generic',
      schema: GenericWebhookSchema,
      handle: async (body) => queued(await enqueueBatch(services, batchFromGeneric(body, services.now().getTime()))),
    }),
  ];
}
