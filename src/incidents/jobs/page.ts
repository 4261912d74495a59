import { UnrecoverableError } from 'bullmq';
import type { JobHandler } from '../../platform/capability.js';
import type { IncidentDesk } from '../desk.js';
import { type Pager, PagerError, type PagerSeverity, pagerDuty } from '../providers/pagerduty.js';
import { pageQueue } from '../queues.js';

/** A link to the channel in Slack (redirected to the reader's workspace). */
function channelLink(channel: string): string {
  return `https://slack.com/app_redirect?channel=${channel}`;
}

/** Triggers and resolves the incident's PagerDuty page. */
export function pageJob(desk: IncidentDesk): JobHandler<{ id: string; action: 'trigger' | 'resolve' }> {
  const { store, services } = desk;
  let pager: Pager | undefined;
  return {
    queue: pageQueue,
    async process({ id, action }) {
      const config = desk.settings.pagerduty;
      if (!config) return { skipped: 'no pagerduty' };
      pager ??= pagerDuty(config);
      const incident = await store.get(id);
      if (!incident) return { skipped: 'missing' };
      // A page that waited in the queue past the acknowledgement or the resolve is no longer wanted.
      if (action === 'trigger' && (incident.acknowledged || incident.state === 'resolved')) {
        return { skipped: 'answered' };
      }
      try {
        if (action === 'resolve') await pager.resolve(id);
        else {
          await pager.trigger({
            incidentId: id,
            summary: `[${incident.severity.toUpperCase()}] ${incident.title}`,
            severity: pagerSeverity(desk.settings.order.indexOf(incident.severity)),
            source: 'opsdeck',
            link: incident.channel && channelLink(incident.channel),
            at: services.now(),
          });
        }
      } catch (error) {
        if (error instanceof PagerError && !error.temporary) throw new UnrecoverableError(error.message);
        throw error;
      }
      return { action };
    },
  };
}

/** The most severe severity is critical, the next error, the rest warning. */
function pagerSeverity(index: number): PagerSeverity {
  return index <= 0 ? 'critical' : index === 1 ? 'error' : 'warning';
}
