import { webhook } from '../platform/capability.js';
import type { Services } from '../platform/services.js';
import { enqueueBatch } from './ingest-job.js';
import { batchFromAlertmanager, batchFromGeneric } from './rules.js';
import { AlertmanagerWebhookSchema, GenericWebhookSchema, GrafanaWebhookSchema } from './schemas.js';

/** Answer of a webhook once its body is durably queued. */
const queued = (id: string) => ({ status: 202, body: { queued: id } });

/** Alertmanager's, Grafana's and the generic webhook: each body is read into a batch and queued for the ingest job. */
export function alertWebhooks(services: Pick<Services, 'jobs' | 'now'>) {
  return [
    webhook({
      path: 'alertmanager',
      schema: AlertmanagerWebhookSchema,
      handle: async (body) =>
        queued(await enqueueBatch(services, batchFromAlertmanager('alertmanager', body, services.now().getTime()))),
    }),
    webhook({
      path: 'grafana',
      schema: GrafanaWebhookSchema,
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
