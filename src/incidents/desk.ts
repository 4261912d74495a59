import { Refused } from '../errors.js';
import { lazy } from '../platform/lazy.js';
import { channelMention, code, join, md } from '../platform/mrkdwn.js';
import type { Services } from '../platform/services.js';
import type { Incident, TimelineEntry } from './incident.js';
import { announceMessage, cardMessage, keys, lineMessage, updateMessage } from './messages.js';
import { type IncidentMetrics, incidentMetrics } from './metrics.js';
import { pageQueue, postmortemQueue, setupQueue, syncQueue, type TimerJob, timerQueue } from './queues.js';
import {
  type Change,
  type DeclareInput,
  declareProblems,
  escalationFor,
  type IncidentSettings,
  newIncident,
  reminderDueAt,
  settingsOf,
  timeToAcknowledge,
  timeToResolve,
} from './rules.js';
import { IncidentStore } from './store.js';

export type DeskServices = Pick<
  Services,
  | 'redis'
  | 'key'
  | 'keysOf'
  | 'catalog'
  | 'outbox'
  | 'jobs'
  | 'metrics'
  | 'logger'
  | 'now'
  | 'slashCommand'
  | 'home'
  | 'names'
>;

/** A declaration: what was asked, by whom, from where, and the alert group it came from. */
export interface Declaration extends DeclareInput {
  declaredBy: string;
  origin?: Incident['origin'];
  alertGroup?: { id: string; title: string };
}

/**
 * Where incidents are declared and changed: the one path the commands, buttons, modals and jobs go through, so that
 * every change is stored by compare-and-set, written to the timeline, shown in the channel and on the card, and
 * starts or stops the timers it should.
 */
export class IncidentDesk {
  readonly store: IncidentStore;
  /** Read on first use: a capability's build may not touch its services yet. */
  private readonly lazySettings = lazy(() => settingsOf(this.services.catalog));
  private readonly lazyMetrics = lazy(() =>
    incidentMetrics(this.services.metrics, this.settings.order, () => this.store.open()),
  );

  constructor(readonly services: DeskServices) {
    this.store = new IncidentStore(services.redis, services.key);
  }

  get settings(): IncidentSettings {
    return this.lazySettings();
  }

  get metrics(): IncidentMetrics {
    return this.lazyMetrics();
  }

  serviceNames(): string[] {
    return Object.keys(this.services.catalog.services);
  }

  now(): number {
    return this.services.now().getTime();
  }

  /**
   * Declares an incident: checks it, claims its title (an open incident with the same title is a refusal naming its
   * channel), records it and leaves the channel, invites, card and announcement to the setup job.
   * @throws Refused saying what is wrong or where the existing incident is
   */
  async declare(input: Declaration, options: { withinAck?: boolean } = {}): Promise<Incident> {
    const problems = declareProblems(input, this.settings, this.serviceNames());
    const first = Object.values(problems)[0];
    if (first) throw new Refused(first);
    const id = await this.store.nextId();
    const now = this.now();
    const { incident: fresh, entry } = newIncident({ ...input, id }, this.settings, now);
    const incident: Incident = input.alertGroup ? { ...fresh, alertGroups: [input.alertGroup] } : fresh;
    // Recorded before the title is claimed, so that a concurrent declaration finds the claim's holder open (a
    // claim whose holder is not recorded is a leftover and is taken over).
    await this.store.create(incident);
    let holder: Incident | undefined;
    try {
      holder = await this.store.claimTitle(incident.titleKey, id);
      if (!holder) {
        await this.store.append(id, entry);
        await this.services.jobs.enqueue(setupQueue, { id }, options);
      }
    } catch (error) {
      await this.store.discard(incident);
      throw error;
    }
    if (holder) {
      await this.store.discard(incident);
      const where = holder.channel ? md`: ${channelMention(holder.channel)}` : ' (its channel is being created)';
      throw new Refused(
        md`Incident #${holder.id} “${holder.title}” is open already${where}. Join it, or pick another title.`,
      );
    }
    await this.startTimers(incident);
    // Open Home tabs list open incidents.
    await this.services.home.changed();
    return incident;
  }

  /** The escalation and reminder timers of a new incident. */
  private async startTimers(incident: Incident): Promise<void> {
    if (escalationFor(incident, this.settings, 1)) {
      await this.services.jobs.enqueue(timerQueue, { id: incident.id, kind: 'escalate', n: 0, step: 0 });
    }
    await this.remindLater(incident);
  }

  /** A reminder timer for the incident's current update count (replacing, in effect, the one before). */
  private async remindLater(incident: Incident): Promise<void> {
    if (reminderDueAt(incident, this.settings) === undefined) return;
    await this.services.jobs.enqueue(timerQueue, { id: incident.id, kind: 'remind', n: incident.updates, step: 0 });
  }

  /**
   * Timers a change made stale leave BullMQ's delayed set at once: the reminder of the previous update count (a new
   * update starts its own) and, once acknowledged or resolved, the escalation. A timer a worker is running right now
   * is left alone: it checks the incident again before it acts, and stops.
   */
  private async cancelStaleTimers(before: Incident, after: Incident): Promise<void> {
    const { jobs } = this.services;
    const timer = (kind: TimerJob['kind'], n: number) => timerQueue.jobId({ id: after.id, kind, n, step: 0 });
    const resolved = after.state === 'resolved';
    if (after.updates !== before.updates || resolved) await jobs.cancel(timerQueue, timer('remind', before.updates));
    if (resolved && after.updates !== before.updates) await jobs.cancel(timerQueue, timer('remind', after.updates));
    if ((after.acknowledged && !before.acknowledged) || resolved) {
      await jobs.cancel(timerQueue, timer('escalate', 0));
    }
  }

  /**
   * The escalation timer for a new severity, in place of the one before. While a worker runs the old one right now,
   * a second timer starts beside it: posts, pages and invites are idempotent, so the two repeat nothing.
   */
  private async escalateAgain(incident: Incident, n: number): Promise<void> {
    const { jobs } = this.services;
    const step = incident.escalations;
    const replaced = await jobs.replace(timerQueue, { id: incident.id, kind: 'escalate', n: 0, step });
    if (replaced === 'running') await jobs.enqueue(timerQueue, { id: incident.id, kind: 'escalate', n, step });
  }

  /** The incident, or a refusal when it is no longer kept. */
  async get(id: string): Promise<Incident> {
    const incident = await this.store.get(id);
    if (!incident) throw new Refused(`Incident #${id} is no longer kept.`);
    return incident;
  }

  /** The incident whose channel this is; elsewhere a refusal naming the open incidents' channels. */
  async inChannel(channelId: string | undefined, what: string): Promise<Incident> {
    const incident = channelId ? await this.store.byChannel(channelId) : undefined;
    if (incident) return incident;
    const open = (await this.store.open()).filter((i) => i.channel);
    const where =
      open.length > 0
        ? md` Open incidents: ${join(
            open.slice(0, 10).map((i) => channelMention(i.channel!)),
            ', ',
          )}.`
        : ' There are no open incidents.';
    throw new Refused(
      md`Run ${code(`${this.services.slashCommand} incident ${what}`)} in an incident’s channel.${where}`,
    );
  }

  /**
   * Applies one change (a rule from rules.ts, which may refuse) to the stored incident, then records it on the
   * timeline, says it in the channel, refreshes the card and topic, and starts or stops what the change affects.
   */
  async apply(id: string, change: (incident: Incident, now: number) => Change): Promise<Change> {
    const result: { made?: Change } = {};
    const now = this.now();
    const before = await this.get(id);
    const incident = await this.store.change(id, (current) => {
      if (!current) throw new Refused(`Incident #${id} is no longer kept.`);
      result.made = change(current, now);
      return result.made.incident;
    });
    if (!incident || !result.made) throw new Error(`incidents: change of #${id} stored nothing`);
    const { entry } = result.made;
    const n = await this.store.append(id, entry);
    await this.say(incident, entry, n);
    await this.refresh(incident, `t${n}`, entry.kind === 'role' ? roleHolder(before, incident) : undefined);
    const labels = { severity: incident.severity };
    if (!before.acknowledged && incident.acknowledged) {
      this.metrics.timeToAcknowledge.observe(labels, timeToAcknowledge(incident)! / 1000);
    }
    await this.cancelStaleTimers(before, incident);
    if (entry.kind === 'status') await this.remindLater(incident);
    // A new severity may page or remind where the old one did not: timers for it (skipping the levels reached).
    if (entry.kind === 'severity') {
      await this.remindLater(incident);
      if (escalationFor(incident, this.settings, incident.escalations + 1)) await this.escalateAgain(incident, n);
    }
    if (entry.kind === 'resolved') {
      this.metrics.timeToResolve.observe(labels, timeToResolve(incident)! / 1000);
      await this.store.releaseTitle(incident);
      if (incident.paged) await this.services.jobs.enqueue(pageQueue, { id, action: 'resolve' });
      await this.postmortem(id);
      await this.services.home.changed();
    }
    return { incident, entry };
  }

  /** Records an entry that changes nothing else (a note, a pinned message, an escalation). */
  async record(incident: Incident, entry: TimelineEntry, options: { say: boolean }): Promise<void> {
    const n = await this.store.append(incident.id, entry);
    if (options.say) await this.say(incident, entry, n);
  }

  /** Posts the change in the incident channel (once its channel exists; the timeline has it either way). */
  private async say(incident: Incident, entry: TimelineEntry, n: number): Promise<void> {
    if (!incident.channel || entry.kind === 'declared') return;
    const message = entry.kind === 'status' ? updateMessage(incident, entry) : lineMessage(entry);
    await this.services.outbox.post({ key: keys.line(incident.id, n), channel: incident.channel, message });
  }

  /**
   * Shows the incident as stored now: the card and the announcement (once the setup job posted them; it posts the
   * newest content itself otherwise), the channel topic, and `invite` (someone just given a role) in the channel.
   */
  async refresh(incident: Incident, tag: string, invite?: string): Promise<void> {
    const { outbox, jobs } = this.services;
    if (incident.setup.cardPosted) await outbox.update({ key: keys.card(incident.id), message: cardMessage(incident) });
    if (incident.setup.announced) {
      await outbox.update({ key: keys.announce(incident.id), message: announceMessage(incident) });
    }
    if (incident.setup.topic !== undefined) {
      await jobs.enqueue(syncQueue, { id: incident.id, at: tag, ...(invite && { invite }) });
    }
  }

  /** Starts the next postmortem of the incident (the first on resolve; `/ops incident postmortem` asks again). */
  async postmortem(id: string, options: { withinAck?: boolean } = {}): Promise<number> {
    const incident = await this.store.change(id, (current) =>
      current ? { ...current, postmortems: current.postmortems + 1 } : undefined,
    );
    if (!incident) throw new Refused(`Incident #${id} is no longer kept.`);
    await this.services.jobs.enqueue(postmortemQueue, { id, n: incident.postmortems }, options);
    return incident.postmortems;
  }
}

/** Who was just given a role: the commander or comms that changed. */
function roleHolder(before: Incident, after: Incident): string | undefined {
  if (after.commander !== before.commander) return after.commander;
  return after.comms !== before.comms ? after.comms : undefined;
}
