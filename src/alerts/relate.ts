import type { Services } from '../platform/services.js';
import { alertsConfig } from './config.js';
import { publishGroup } from './publish.js';
import { type AlertGroup, mayLead, serviceOf, withRelated } from './rules.js';
import type { AlertStore } from './store.js';

type RelateServices = Pick<Services, 'catalog'>;

/** Related groups listed on one message at most; more still post in its thread. */
const MAX_RELATED = 20;

/**
 * Whether a new epoch of `group` should look for a lead: relating is on, the group names a service, and no decision
 * is stored yet (a rerun after a crash decides again, with the same answer: the claim is idempotent).
 */
export function mayRelate(services: RelateServices, group: AlertGroup, now: number): boolean {
  const settings = alertsConfig.of(services.catalog).relate;
  return (
    settings !== false &&
    // An older message of its own stays one: only a group that fired within the window may still be placed.
    now - group.since <= settings.window &&
    group.relatedTo === undefined &&
    group.changes === 0 &&
    group.state === 'firing' &&
    group.digest === undefined &&
    !group.held &&
    serviceOf(group, settings.by) !== undefined
  );
}

/**
 * Decides where a new epoch's message goes: in the thread of the group leading its service's outage in its channel
 * (listed there as related), or a message of its own — it then leads for the relate window. Returns the group as
 * stored and the lead it joined, if any.
 */
export async function relateNew(
  services: RelateServices,
  store: AlertStore,
  group: AlertGroup,
  now: number,
): Promise<{ group: AlertGroup; lead?: AlertGroup }> {
  const settings = alertsConfig.of(services.catalog).relate;
  if (settings === false) return { group };
  const service = serviceOf(group, settings.by);
  if (service === undefined) return { group };
  const self = `${group.id}:${group.epoch}`;
  let gone = '';
  let lead: AlertGroup | undefined;
  // A lead found gone (resolved, past the window) is replaced; a few tries bound the race with other new groups.
  for (let tries = 0; tries < 3 && !lead; tries++) {
    const claimed = await store.claimLead(group.channel, service, self, settings.window, gone);
    if (claimed === self) return { group };
    const [id = '', epoch] = claimed.split(':');
    const joined = await store.change(id, (current) => {
      if (!current || !mayLead(current, Number(epoch), now, settings.window)) return undefined;
      const full = Object.keys(current.related ?? {}).length >= MAX_RELATED && !current.related?.[group.id];
      return { group: full ? current : withRelated(current, group) };
    });
    if (joined) lead = joined.group;
    else gone = claimed;
  }
  if (!lead) return { group };
  const to = { id: lead.id, epoch: lead.epoch };
  const decided = await store.change(group.id, (current) =>
    current && current.epoch === group.epoch && current.relatedTo === undefined
      ? { group: { ...current, relatedTo: to } }
      : undefined,
  );
  return { group: decided?.group ?? group, lead };
}

/**
 * A related group changed (counts, resolved, firing again): its lead's "also firing" line follows. Nothing when the
 * lead already shows it so, or has moved on to a newer message.
 */
export async function followLead(
  services: Pick<Services, 'outbox' | 'catalog'>,
  store: AlertStore,
  group: AlertGroup,
): Promise<void> {
  const to = group.relatedTo;
  if (!to) return;
  const changed = await store.change(to.id, (lead) => {
    if (!lead || lead.epoch !== to.epoch || !lead.related?.[group.id]) return undefined;
    const next = withRelated(lead, group);
    return next === lead ? undefined : { group: next };
  });
  if (changed) await publishGroup(services, changed.group);
}
