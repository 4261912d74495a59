import { messageLink } from '../platform/blocks.js';
import { type ActionContext, defineCapability, subcommand, webhook } from '../platform/capability.js';
import { args, identifier, optional } from '../platform/grammar/index.js';
import { lazy } from '../platform/lazy.js';
import { drainHandler } from './digest.js';
import { enqueueBatch, ingestHandler } from './ingest-job.js';
import {
  ACK_ACTION,
  messageKey,
  openGroupsMessage,
  parseButtonValue,
  SILENCE_ACTION,
  UNSILENCE_ACTION,
} from './messages.js';
import { alertMetrics } from './metrics.js';
import { alertmanagerSilences } from './providers/alertmanager.js';
import { publishGroup } from './publish.js';
import { batchFromAlertmanager, batchFromGeneric, commonLabels } from './rules.js';
import { AlertmanagerWebhookSchema, GenericWebhookSchema, GrafanaWebhookSchema } from './schemas.js';
import { silenceHandler, silenceQueue } from './silence-job.js';
import { AlertStore } from './store.js';

/** Answer of a webhook once its body is durably queued. */
const queued = (id: string) => ({ status: 202, body: { queued: id } });

/**
 * Alerts from Alertmanager, Grafana and anything that can POST JSON: one message per alert group, edited in place
 * through the outbox, with Acknowledge and Silence buttons, routed by ops.yml's `alerts:` section.
 */
export const alerts = defineCapability({
  name: 'alerts',
  title: 'Alerts',
  uses: ['jobs', 'outbox', 'catalog', 'redis', 'key', 'metrics', 'logger', 'home', 'now'],
  build: (services) => {
    const store = new AlertStore(services.redis, services.key);
    const metrics = lazy(() =>
      alertMetrics(services.metrics, async () => {
        const { alerts, services: catalogServices, slack } = services.catalog;
        const channels = new Set(
          [
            slack.alertsChannel,
            ...alerts.routes.map((r) => r.channel),
            ...Object.values(catalogServices).map((s) => s.channel),
          ].filter((channel): channel is string => channel !== undefined),
        );
        return new Map(await Promise.all([...channels].map(async (c) => [c, await store.backlog(c)] as const)));
      }),
    );
    const silences = lazy(() => {
      const url = services.catalog.alerts.alertmanagerUrl;
      return url ? alertmanagerSilences(url) : undefined;
    });

    /** Open groups (of one service, when given) with links to their messages. */
    async function openWithLinks(service?: string) {
      const open = (await store.open()).filter(
        (group) => !service || commonLabels(Object.values(group.alerts)).service === service,
      );
      return Promise.all(
        open.map(async (group) => {
          const ref = await services.outbox.ref(messageKey(group));
          return { group, link: ref && messageLink(ref.channel, ref.ts) };
        }),
      );
    }

    return {
      // The open alert groups, as `/ops alerts` lists them (a Home tab holds 100 blocks: the list is cut short).
      async home() {
        return openGroupsMessage(await openWithLinks(), undefined).blocks.slice(0, 12);
      },
      routes: [
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
          handle: async (body) =>
            queued(await enqueueBatch(services, batchFromGeneric(body, services.now().getTime()))),
        }),
      ],
      subcommands: [
        subcommand({
          name: 'alerts',
          summary: 'Open alert groups, with links to their messages.',
          grammar: args(optional(identifier('service', { description: 'only alerts whose `service` label is this' }))),
          example: 'alerts api',
          changes: false,
          async run(ctx) {
            await ctx.reply(openGroupsMessage(await openWithLinks(ctx.args.service), ctx.args.service));
          },
        }),
      ],
      actions: [
        {
          actionId: ACK_ACTION,
          role: 'responder',
          changes: true,
          auditAction: 'alerts.acknowledge',
          auditTarget: (value) => `alert-group/${parseButtonValue(value)?.id ?? 'unknown'}`,
          async run(ctx) {
            const target = parseButtonValue(ctx.value);
            if (!target) return;
            const at = services.now().getTime();
            const changed = await store.change(target.id, (group) =>
              group && group.epoch === target.epoch && !group.acknowledged
                ? { group: { ...group, acknowledged: { userId: ctx.userId, at }, changes: group.changes + 1 } }
                : undefined,
            );
            if (!changed) {
              await ctx.respond({ text: 'Already acknowledged, or the alert group has a newer message.', blocks: [] });
              return;
            }
            await publishGroup(services, changed.group, { line: ':eyes: Acknowledged' });
          },
        },
        ...[
          { actionId: SILENCE_ACTION, kind: 'silence' as const },
          { actionId: UNSILENCE_ACTION, kind: 'unsilence' as const },
        ].map(({ actionId, kind }) => ({
          actionId,
          role: 'responder',
          changes: true,
          auditAction: `alerts.${kind}`,
          auditTarget: (value: string | undefined) => `alert-group/${parseButtonValue(value)?.id ?? 'unknown'}`,
          async run(ctx: ActionContext) {
            const target = parseButtonValue(ctx.value);
            if (!target) return;
            if (!silences()) {
              await ctx.respond({ text: 'Silences need `alerts.alertmanagerUrl` in ops.yml.', blocks: [] });
              return;
            }
            const hours = kind === 'silence' ? Number(SILENCE_ACTION.exec(ctx.actionId)?.[1] ?? 1) : undefined;
            await services.jobs.enqueue(
              silenceQueue,
              {
                kind,
                groupId: target.id,
                epoch: target.epoch,
                hours,
                userId: ctx.userId,
                requestId: ctx.triggerId,
                responseUrl: ctx.responseUrl,
              },
              { withinAck: true },
            );
          },
        })),
      ],
      jobs: [
        ingestHandler(services, store, metrics),
        silenceHandler(services, store, silences),
        drainHandler(services, store),
      ],
    };
  },
});
