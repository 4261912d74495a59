import { defineCapability, subcommand } from '../platform/capability.js';
import { args, identifier, optional } from '../platform/grammar/index.js';
import { suggest } from '../platform/suggest.js';
import { checkHandler } from './check-job.js';
import { readContext } from './context.js';
import { statusesOf } from './draw.js';
import { homeSection, overviewMessage, unknownServiceMessage } from './messages.js';
import { redrawHandler } from './redraw-job.js';
import { requestHandler, requestQueue } from './request-job.js';
import { STATUS_SETTINGS } from './settings.js';
import { StatusStore } from './store.js';

/**
 * `/ops status [service]`: posts every service as "checking…", then one job per check fills the message in as results
 * arrive. Results, circuit breakers and alert states live in Redis, so any worker can run any check.
 */
export const status = defineCapability({
  name: 'status',
  title: 'Status',
  uses: ['catalog', 'jobs', 'outbox', 'redis', 'key', 'keysOf', 'now', 'logger', 'home'],
  build: (services) => {
    const store = new StatusStore(services.redis, services.key);
    const known = () => Object.keys(services.catalog.services);
    return {
      subcommands: [
        subcommand({
          name: 'status',
          summary:
            'Run every service’s checks and show their health as results arrive; with a service, each check in detail.',
          grammar: args(optional(identifier('service', { description: 'one service from ops.yml, in detail' }))),
          example: 'status api',
          changes: false,
          async run(ctx) {
            const service = ctx.args.service;
            if (service !== undefined && !known().includes(service)) {
              await ctx.reply(unknownServiceMessage(service, known(), suggest(service, known())));
              return;
            }
            const messageKey = `status-${ctx.triggerId}`;
            await store.createRequest(ctx.triggerId, { messageKey, service, startedAt: services.now().getTime() });
            const checking = overviewMessage(statusesOf(services.catalog, () => undefined, service));
            await services.outbox.post({ key: messageKey, channel: ctx.channelId, message: checking });
            await services.jobs.enqueue(requestQueue, { requestId: ctx.triggerId, service }, { withinAck: true });
            await ctx.ackNow();
          },
        }),
      ],
      jobs: [
        requestHandler(services, store, (only) => readContext(services, only)),
        checkHandler({ ...services, store, settings: STATUS_SETTINGS }),
        redrawHandler({ ...services, store, settings: STATUS_SETTINGS }),
      ],
      async home() {
        const pairs = Object.entries(services.catalog.services).flatMap(([service, definition]) =>
          Object.keys(definition.checks).map((check) => [service, check] as const),
        );
        const latest = await store.latest(pairs);
        const byKey = new Map(pairs.map(([service, check], i) => [`${service}/${check}`, latest[i]]));
        return homeSection(statusesOf(services.catalog, (service, check) => byKey.get(`${service}/${check}`)));
      },
    };
  },
});
