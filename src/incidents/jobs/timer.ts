import type { JobContext, JobHandler } from '../../platform/capability.js';
import type { IncidentDesk } from '../desk.js';
import { escalationMessage, reminderMessage } from '../messages.js';
import { pageQueue, type TimerJob, timerQueue } from '../queues.js';
import { escalationFor, reminderDueAt, severityOf } from '../rules.js';
import { channelOf, invite, waitUntil } from './channel.js';

/** Reminders to post a status update, and escalation level by level while nobody acknowledges. */
export function timerJob(desk: IncidentDesk): JobHandler<TimerJob> {
  return {
    queue: timerQueue,
    process: (data, ctx) => (data.kind === 'remind' ? remind(desk, data, ctx) : escalate(desk, data, ctx)),
  };
}

async function remind(desk: IncidentDesk, data: TimerJob, ctx: JobContext) {
  const { store, services } = desk;
  const { outbox } = services;
  let incident = await store.get(data.id);
  // A newer update started its own timer; resolving ends them all.
  if (!incident || incident.state === 'resolved' || incident.updates !== data.n) return { stale: true };
  const first = reminderDueAt(incident, desk.settings);
  const every = severityOf(desk.settings, incident.severity).updateEvery;
  if (first === undefined || every === undefined) return { stale: true };
  await waitUntil(desk, ctx, first + every * data.step);
  incident = await store.get(data.id);
  if (!incident || incident.state === 'resolved' || incident.updates !== data.n) return { stale: true };
  const channel = await channelOf(desk, incident, ctx);
  await outbox.post({
    key: `incident-${data.id}-remind-${data.n}-${data.step}`,
    channel,
    message: reminderMessage(incident, desk.now() - incident.lastUpdateAt),
  });
  await ctx.save({ ...data, step: data.step + 1 });
  return ctx.later(Math.max(1, first + every * (data.step + 1) - desk.now()));
}

async function escalate(desk: IncidentDesk, data: TimerJob, ctx: JobContext) {
  const { store, services } = desk;
  const { outbox } = services;
  const level = data.step + 1;
  let incident = await store.get(data.id);
  let due = incident && escalationFor(incident, desk.settings, level);
  if (!incident || !due) return { done: true, level: data.step };
  await waitUntil(desk, ctx, due.dueAt);
  incident = await store.get(data.id);
  due = incident && escalationFor(incident, desk.settings, level);
  if (!incident || !due) return { done: true, level: data.step };
  const channel = await channelOf(desk, incident, ctx);
  // Paging, invites and the post are idempotent (job id, Slack, outbox key): a rerun, or a second escalation job
  // started by a severity change, repeats them harmlessly. The level is claimed for the timeline entry alone.
  const { mention, page } = due;
  if (page) await services.jobs.enqueue(pageQueue, { id: incident.id, action: 'trigger' });
  if (mention.length > 0) await invite(desk, channel, mention);
  await outbox.post({
    key: `incident-${incident.id}-escalate-${level}`,
    channel,
    message: escalationMessage(incident, level, mention, page, desk.now()),
  });
  const claimed = await store.change(incident.id, (i) =>
    i && i.escalations < level ? { ...i, escalations: level, paged: i.paged || page } : undefined,
  );
  if (claimed) {
    await desk.record(
      claimed,
      {
        at: desk.now(),
        kind: 'escalated',
        text: `Escalated (level ${level})${page ? ', paged PagerDuty' : ''}`,
        ...(mention.length > 0 && { people: mention }),
      },
      { say: false },
    );
  }
  await ctx.save({ ...data, step: level });
  return ctx.later(1);
}
