import { UnrecoverableError } from 'bullmq';
import type { JobHandler } from '../../platform/capability.js';
import type { IncidentDesk } from '../desk.js';
import type { Incident } from '../incident.js';
import { announceMessage, cardMessage, keys } from '../messages.js';
import { setupQueue } from '../queues.js';
import { channelNamesFor, severityOf } from '../rules.js';
import { invite, SETUP_PATIENCE_MS, save, slackError, topicNow } from './channel.js';

/** How often the setup job looks whether the card's post went through (it pins it then). */
const CARD_POLL_MS = 200;
/** Pages of 1,000 channels read when looking for a channel whose creation's answer was lost. */
const LIST_PAGES = 20;

/**
 * Sets an incident up, step by step, each step recorded in the incident: the channel, its topic, the invites, the
 * card and its pin, the announcement. A rerun resumes where the last run stopped.
 */
export function setupJob(desk: IncidentDesk): JobHandler<{ id: string }> {
  const { store, services } = desk;
  const { outbox } = services;
  return {
    queue: setupQueue,
    async process({ id }, ctx) {
      let incident = await store.get(id);
      if (!incident) return { skipped: 'missing' };
      if (!incident.channel) incident = await createChannel(desk, incident);
      const channel = incident.channel!;
      const step = (name: keyof Incident['setup'], value: unknown = true) =>
        save(desk, id, (i) => ({ ...i, setup: { ...i.setup, [name]: value } }));

      if (incident.setup.topic === undefined) {
        const topic = await topicNow(desk, incident);
        await outbox.call('conversations.setTopic', { channel, topic });
        incident = await step('topic', topic);
      }
      if (!incident.setup.invited) {
        const owners = incident.service ? (services.catalog.services[incident.service]?.owners ?? []) : [];
        await invite(desk, channel, [...new Set([incident.declaredBy, incident.commander, ...owners])]);
        incident = await step('invited');
      }
      if (!incident.setup.cardPosted) {
        await outbox.post({ key: keys.card(id), channel, message: cardMessage(incident) });
        incident = await step('cardPosted');
      }
      if (!incident.setup.pinned) {
        const ref = await outbox.ref(keys.card(id));
        if (!ref) {
          if (desk.now() - ctx.enqueuedAt > SETUP_PATIENCE_MS)
            throw new UnrecoverableError('the card was never posted');
          return ctx.later(CARD_POLL_MS);
        }
        // The card is the channel's first record: its own pin_added is not a timeline entry (marked before pinning,
        // so the event finds it marked).
        await store.markMessage(id, ref.ts);
        await outbox.call('pins.add', { channel, timestamp: ref.ts }).catch((error: unknown) => {
          if (slackError(error) !== 'already_pinned') throw error;
        });
        incident = await step('pinned');
      }
      const announceIn = services.catalog.slack.incidentsChannel;
      if (!incident.setup.announced && announceIn && severityOf(desk.settings, incident.severity).announce) {
        await outbox.post({ key: keys.announce(id), channel: announceIn, message: announceMessage(incident) });
        incident = await step('announced');
      }
      incident = await step('done');
      // Changes made while the channel was being set up: show the newest state everywhere.
      await desk.refresh(incident, 'setup');
      return { channel };
    },
  };
}

/**
 * A channel named `name` that this app created and no incident claims: the channel of a try whose answer was lost
 * (a worker killed between Slack creating it and the id being saved, or a timeout after Slack acted). Only asked
 * when a name is taken, so a listing of the workspace's channels (Tier 2, paged) stays rare.
 */
async function unclaimedChannel(desk: IncidentDesk, name: string): Promise<string | undefined> {
  const { store, services } = desk;
  const { outbox } = services;
  const self = await outbox.call<{ user_id?: string }>('auth.test', {});
  let cursor = '';
  for (let page = 0; page < LIST_PAGES; page++) {
    const result = await outbox.call<{
      channels?: { id: string; name: string; creator?: string }[];
      response_metadata?: { next_cursor?: string };
    }>('conversations.list', {
      // Incident channels are public (conversations.create without is_private): channels:read is enough.
      types: 'public_channel',
      exclude_archived: true,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    const found = result.channels?.find((c) => c.name === name);
    if (found) {
      const mine = found.creator === self.user_id && !(await store.byChannel(found.id));
      return mine ? found.id : undefined;
    }
    cursor = result.response_metadata?.next_cursor ?? '';
    if (!cursor) return undefined;
  }
  return undefined;
}

/** Creates the channel under the first free name; its id is saved before anything else happens there. */
async function createChannel(desk: IncidentDesk, incident: Incident): Promise<Incident> {
  const { store, services } = desk;
  const { outbox } = services;
  const prefix = services.catalog.slack.incidentChannelPrefix;
  for (const name of channelNamesFor(prefix, incident.declaredAt, incident.title, incident.id)) {
    let channel: string;
    try {
      const result = await outbox.call<{ channel: { id: string } }>('conversations.create', { name });
      channel = result.channel.id;
    } catch (error) {
      if (slackError(error) !== 'name_taken') throw error;
      const lost = await unclaimedChannel(desk, name);
      if (!lost) continue;
      channel = lost;
    }
    await store.setChannel(channel, incident.id);
    return save(desk, incident.id, (i) => ({ ...i, channel, setup: { ...i.setup, channelName: name } }));
  }
  throw new UnrecoverableError(`no free channel name for incident ${incident.id}`);
}
