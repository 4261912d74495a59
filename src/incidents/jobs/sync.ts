import type { JobHandler } from '../../platform/capability.js';
import type { IncidentDesk } from '../desk.js';
import { syncQueue } from '../queues.js';
import { invite, save, topicNow } from './channel.js';

/** Keeps the channel's topic in step with the incident, and invites whoever was given a role. */
export function syncJob(desk: IncidentDesk): JobHandler<{ id: string; at: string; invite?: string }> {
  const { store, services } = desk;
  const { outbox } = services;
  return {
    queue: syncQueue,
    async process({ id, invite: person }) {
      const incident = await store.get(id);
      if (!incident?.channel) return { skipped: 'no channel' };
      if (person) await invite(desk, incident.channel, [person]);
      const wanted = await topicNow(desk, incident);
      if (incident.setup.topic === wanted) return { unchanged: true };
      await outbox.call('conversations.setTopic', { channel: incident.channel, topic: wanted });
      await save(desk, id, (i) => ({ ...i, setup: { ...i.setup, topic: wanted } }));
      return { topic: wanted };
    },
  };
}
