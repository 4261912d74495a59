import { messageLink } from '../platform/blocks.js';
import { subcommand } from '../platform/capability.js';
import { args, identifier, optional } from '../platform/grammar/index.js';
import type { Services } from '../platform/services.js';
import { messageKey, openGroupsMessage } from './messages.js';
import { type AlertGroup, commonLabels } from './rules.js';
import type { AlertStore } from './store.js';

type ListServices = Pick<Services, 'outbox' | 'now'>;

/** Open groups and Opsdeck's silences (of one service, when given), with links to their messages. */
async function listed(store: AlertStore, services: ListServices, service?: string) {
  const ofService = (group: AlertGroup) => !service || commonLabels(Object.values(group.alerts)).service === service;
  const withLinks = (groups: AlertGroup[]) =>
    Promise.all(
      groups.filter(ofService).map(async (group) => {
        const ref = await services.outbox.ref(messageKey(group));
        return { group, link: ref && messageLink(ref.channel, ref.ts) };
      }),
    );
  // The clock is read before either read starts: were it to throw, the first read would be left rejecting unawaited.
  const now = services.now().getTime();
  const [open, silenced] = await Promise.all([store.open(), store.silenced(now)]);
  return { open: await withLinks(open), silenced: await withLinks(silenced) };
}

/** `/ops alerts [service]`: open alert groups and the silences Opsdeck keeps, with links to their messages. */
export function alertsCommand(store: AlertStore, services: ListServices) {
  return subcommand({
    name: 'alerts',
    summary: 'Open alert groups and Opsdeck’s silences, with links to their messages.',
    grammar: args(optional(identifier('service', { description: 'only alerts whose `service` label is this' }))),
    example: 'alerts api',
    changes: false,
    async run(ctx) {
      const { open, silenced } = await listed(store, services, ctx.args.service);
      await ctx.reply(openGroupsMessage(open, ctx.args.service, silenced));
    },
  });
}

/** The Home section: the open alert groups, as `/ops alerts` lists them (a Home tab holds 100 blocks: cut short). */
export async function alertsHome(store: AlertStore, services: ListServices) {
  const { open, silenced } = await listed(store, services);
  return openGroupsMessage(open, undefined, silenced).blocks.slice(0, 12);
}
