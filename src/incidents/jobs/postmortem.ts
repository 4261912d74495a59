import { deployableServices, recentDeploys } from '../../deploys/api.js';
import { flagChangesBetween } from '../../flags/api.js';
import type { JobHandler } from '../../platform/capability.js';
import { cut } from '../../platform/text.js';
import { uploadFile } from '../../slack/upload.js';
import type { IncidentDesk } from '../desk.js';
import type { Incident } from '../incident.js';
import { keys, postmortemMessage } from '../messages.js';
import {
  type ChangeDeploy,
  deploysBefore,
  peopleOf,
  postmortemMarkdown,
  WHAT_CHANGED_WINDOW_MS,
} from '../postmortem.js';
import { postmortemQueue } from '../queues.js';
import { channelOf } from './channel.js';

/** Posts the postmortem draft in the incident's channel, as a message and as a Markdown file. */
export function postmortemJob(desk: IncidentDesk): JobHandler<{ id: string; n: number }> {
  const { store, services } = desk;
  const { outbox, logger } = services;
  return {
    queue: postmortemQueue,
    async process({ id, n }, ctx) {
      const incident = await store.get(id);
      if (!incident) return { skipped: 'missing' };
      // The channel may still be being set up (a resolve right after the declaration).
      const channel = await channelOf(desk, incident, ctx);
      const timeline = await store.timeline(id);
      const changed = {
        deploys: await deploysBeforeIncident(desk, incident),
        flags: await flagChangesBetween(services, incident.declaredAt - WHAT_CHANGED_WINDOW_MS, incident.declaredAt),
      };
      // The file is read outside Slack: people by name, never as `@U0BOB`.
      const names = await services.names.lookup(peopleOf(incident, timeline, changed));
      const markdown = postmortemMarkdown(incident, timeline, changed, names);
      await outbox.post({
        key: keys.postmortem(id, n),
        channel,
        message: postmortemMessage(incident, markdown),
      });
      if (!(await store.isDone('postmortem-file', id, String(n)))) {
        await uploadFile(outbox, {
          channel,
          filename: `incident-${id}-postmortem${n > 1 ? `-${n}` : ''}.md`,
          title: cut(`Postmortem: ${incident.title}`, 250),
          content: markdown,
          contentType: 'text/markdown; charset=utf-8',
        });
        await store.markDone('postmortem-file', id, String(n));
      }
      logger.info({ incidentId: id, n }, 'postmortem posted');
      return { posted: n };
    },
  };
}

/** Deploys of every service in the two hours before the incident started. */
async function deploysBeforeIncident(desk: IncidentDesk, incident: Incident): Promise<ChangeDeploy[]> {
  const { services } = desk;
  const found: ChangeDeploy[] = [];
  for (const { service, environments } of deployableServices(services.catalog)) {
    for (const environment of environments) {
      for (const d of await recentDeploys(services, service, environment, 50)) {
        if (d.requestedAt < incident.declaredAt - WHAT_CHANGED_WINDOW_MS) break;
        found.push({
          id: d.id,
          service,
          environment,
          version: d.version,
          kind: d.kind,
          status: d.status,
          requester: d.requester,
          at: d.startedAt ?? d.requestedAt,
        });
      }
    }
  }
  return deploysBefore(found, incident.declaredAt);
}
