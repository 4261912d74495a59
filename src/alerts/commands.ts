import { messageLink } from '../platform/blocks.js';
import { subcommand } from '../platform/capability.js';
import { args, identifier, optional } from '../platform/grammar/index.js';
import type { Services } from '../platform/services.js';
import { messageKey, openGroupsMessage } from './messages.js';
import { commonLabels } from './rules.js';
import type { AlertStore } from './store.js';

type ListServices = Pick<Services, 'outbox'>;

/** Open groups (of one service, when given) with links to their messages. */
async function openWithLinks(store: AlertStore, services: ListServices, service?: string) {
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

/** `/ops alerts [service]`: open alert groups, with links to their messages. */
export function alertsCommand(store: AlertStore, services: ListServices) {
  return subcommand({
    name: 'alerts',
    summary: 'Open alert groups, with links to their messages.',
    grammar: args(optional(identifier('service', { description: 'only alerts whose `service` label is this' }))),
    example: 'alerts api',
    changes: false,
    async run(ctx) {
      await ctx.reply(openGroupsMessage(await openWithLinks(store, services, ctx.args.service), ctx.args.service));
    },
  });
}

/** The Home section: the open alert groups, as `/ops alerts` lists them (a Home tab holds 100 blocks: cut short). */
export async function alertsHome(store: AlertStore, services: ListServices) {
  return openGroupsMessage(await openWithLinks(store, services), undefined).blocks.slice(0, 12);
}
