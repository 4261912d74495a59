import { UnrecoverableError } from 'bullmq';
import { DeployStore } from '../deploys/store.js';
import { SlackApiError } from '../errors.js';
import type { JobContext, JobHandler } from '../platform/capability.js';
import type { IncidentDesk } from './desk.js';
import type { Incident } from './incident.js';
import {
  announceMessage,
  cardMessage,
  escalationMessage,
  keys,
  postmortemMessage,
  reminderMessage,
} from './messages.js';
import { type ChangeDeploy, deploysBefore, postmortemMarkdown, WHAT_CHANGED_WINDOW_MS } from './postmortem.js';
import { type Pager, PagerError, type PagerSeverity, pagerDuty } from './providers/pagerduty.js';
import { pageQueue, postmortemQueue, setupQueue, syncQueue, type TimerJob, timerQueue } from './queues.js';
import { channelNameFor, escalationFor, reminderDueAt, severityOf, topicOf } from './rules.js';

/** How often the setup job looks whether the card's post went through (it pins it then). */
const CARD_POLL_MS = 200;
/** How often a job waiting for the incident's channel (or its card) looks again. */
const SETUP_POLL_MS = 500;
/** How long a job waits for the set-up before giving up on it (its job failed for good, or its card never posted). */
const SETUP_PATIENCE_MS = 10 * 60_000;
/** Channel names tried before giving up (`…-2` … `…-10`). */
const NAME_ATTEMPTS = 10;
/** Pages of 1,000 channels read when looking for a channel whose creation's answer was lost. */
const LIST_PAGES = 20;

/** A Slack error code from `outbox.call`, or undefined for anything else. */
function slackError(error: unknown): string | undefined {
  return error instanceof SlackApiError ? error.slackError : undefined;
}

/** A link to the channel in Slack (redirected to the reader's workspace). */
function channelLink(channel: string): string {
  return `https://slack.com/app_redirect?channel=${channel}`;
}

export function incidentJobs(desk: IncidentDesk): JobHandler<never>[] {
  const { store, services } = desk;
  const { outbox, logger } = services;

  /** User ids for ids that may name user groups (invites take user ids only). */
  async function usersOf(ids: readonly string[]): Promise<string[]> {
    const users = new Set<string>();
    for (const id of ids) {
      if (!id.startsWith('S')) {
        users.add(id);
        continue;
      }
      try {
        const result = await outbox.call<{ users?: string[] }>('usergroups.users.list', { usergroup: id });
        for (const user of result.users ?? []) users.add(user);
      } catch (error) {
        // A group Slack does not know (deleted, a typo in ops.yml) is skipped; a temporary failure is retried.
        if (!(error instanceof SlackApiError) || error.temporary) throw error;
        logger.warn({ usergroup: id, err: { message: error.message } }, 'incident invite: user group skipped');
      }
    }
    return [...users];
  }

  /** Invites whoever is not in the channel yet; a person Slack refuses (deactivated, unknown) is skipped. */
  async function invite(channel: string, ids: readonly string[]): Promise<void> {
    const users = await usersOf(ids);
    if (users.length === 0) return;
    try {
      await outbox.call('conversations.invite', { channel, users: users.join(',') });
    } catch (error) {
      if (slackError(error) === 'already_in_channel') return;
      if (error instanceof SlackApiError && error.temporary) throw error;
      // One refused user fails the whole call: invite the others one by one.
      for (const user of users) {
        await outbox.call('conversations.invite', { channel, users: user }).catch((err: Error) => {
          if (err instanceof SlackApiError && err.temporary) throw err;
        });
      }
    }
  }

  async function save(id: string, change: (incident: Incident) => Incident): Promise<Incident> {
    const next = await store.change(id, (current) => (current ? change(current) : undefined));
    if (!next) throw new UnrecoverableError(`incident ${id} is no longer kept`);
    return next;
  }

  /**
   * A channel named `name` that this app created and no incident claims: the channel of a try whose answer was lost
   * (a worker killed between Slack creating it and the id being saved, or a timeout after Slack acted). Only asked
   * when a name is taken, so a listing of the workspace's channels (Tier 2, paged) stays rare.
   */
  async function unclaimedChannel(name: string): Promise<string | undefined> {
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
  async function createChannel(incident: Incident): Promise<Incident> {
    const prefix = services.catalog.slack.incidentChannelPrefix;
    for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
      const name = channelNameFor(prefix, incident.declaredAt, incident.title, attempt);
      let channel: string;
      try {
        const result = await outbox.call<{ channel: { id: string } }>('conversations.create', { name });
        channel = result.channel.id;
      } catch (error) {
        if (slackError(error) !== 'name_taken') throw error;
        const lost = await unclaimedChannel(name);
        if (!lost) continue;
        channel = lost;
      }
      await store.setChannel(channel, incident.id);
      return save(incident.id, (i) => ({ ...i, channel, setup: { ...i.setup, channelName: name } }));
    }
    throw new UnrecoverableError(`no free channel name for incident ${incident.id}`);
  }

  /**
   * The incident's channel once its set-up is done; until then the job waits (without counting an attempt), for
   * SETUP_PATIENCE_MS at most.
   */
  async function channelOf(incident: Incident, ctx: JobContext): Promise<string> {
    if (incident.channel && incident.setup.done) return incident.channel;
    if (desk.now() - ctx.enqueuedAt > SETUP_PATIENCE_MS) {
      throw new UnrecoverableError(`incident ${incident.id} has no channel: its set-up did not finish`);
    }
    return ctx.later(SETUP_POLL_MS);
  }

  /** The topic with the commander's display name (a topic shows `<@U…>` as typed). */
  const topicNow = async (incident: Incident) => topicOf(incident, await services.names.lookup([incident.commander]));

  const setup: JobHandler<{ id: string }> = {
    queue: setupQueue,
    async process({ id }, ctx) {
      let incident = await store.get(id);
      if (!incident) return { skipped: 'missing' };
      if (!incident.channel) incident = await createChannel(incident);
      const channel = incident.channel!;
      const step = (name: keyof Incident['setup'], value: unknown = true) =>
        save(id, (i) => ({ ...i, setup: { ...i.setup, [name]: value } }));

      if (incident.setup.topic === undefined) {
        const topic = await topicNow(incident);
        await outbox.call('conversations.setTopic', { channel, topic });
        incident = await step('topic', topic);
      }
      if (!incident.setup.invited) {
        const owners = incident.service ? (services.catalog.services[incident.service]?.owners ?? []) : [];
        await invite(channel, [...new Set([incident.declaredBy, incident.commander, ...owners])]);
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

  const sync: JobHandler<{ id: string; at: string; invite?: string }> = {
    queue: syncQueue,
    async process({ id, invite: person }) {
      const incident = await store.get(id);
      if (!incident?.channel) return { skipped: 'no channel' };
      if (person) await invite(incident.channel, [person]);
      const wanted = await topicNow(incident);
      if (incident.setup.topic === wanted) return { unchanged: true };
      await outbox.call('conversations.setTopic', { channel: incident.channel, topic: wanted });
      await save(id, (i) => ({ ...i, setup: { ...i.setup, topic: wanted } }));
      return { topic: wanted };
    },
  };

  /** Waits (without counting an attempt) until `dueAt`. */
  const waitUntil = (ctx: JobContext, dueAt: number): Promise<void> => {
    const left = dueAt - desk.now();
    return left > 0 ? ctx.later(left) : Promise.resolve();
  };

  async function remind(data: TimerJob, ctx: JobContext) {
    let incident = await store.get(data.id);
    // A newer update started its own timer; resolving ends them all.
    if (!incident || incident.state === 'resolved' || incident.updates !== data.n) return { stale: true };
    const first = reminderDueAt(incident, desk.settings);
    const every = severityOf(desk.settings, incident.severity).updateEvery;
    if (first === undefined || every === undefined) return { stale: true };
    await waitUntil(ctx, first + every * data.step);
    incident = await store.get(data.id);
    if (!incident || incident.state === 'resolved' || incident.updates !== data.n) return { stale: true };
    const channel = await channelOf(incident, ctx);
    await outbox.post({
      key: `incident-${data.id}-remind-${data.n}-${data.step}`,
      channel,
      message: reminderMessage(incident, desk.now() - incident.lastUpdateAt),
    });
    await ctx.save({ ...data, step: data.step + 1 });
    return ctx.later(Math.max(1, first + every * (data.step + 1) - desk.now()));
  }

  async function escalate(data: TimerJob, ctx: JobContext) {
    const level = data.step + 1;
    let incident = await store.get(data.id);
    let due = incident && escalationFor(incident, desk.settings, level);
    if (!incident || !due) return { done: true, level: data.step };
    await waitUntil(ctx, due.dueAt);
    incident = await store.get(data.id);
    due = incident && escalationFor(incident, desk.settings, level);
    if (!incident || !due) return { done: true, level: data.step };
    const channel = await channelOf(incident, ctx);
    // Paging, invites and the post are idempotent (job id, Slack, outbox key): a rerun, or a second escalation job
    // started by a severity change, repeats them harmlessly. The level is claimed for the timeline entry alone.
    const { mention, page } = due;
    if (page) await services.jobs.enqueue(pageQueue, { id: incident.id, action: 'trigger' });
    if (mention.length > 0) await invite(channel, mention);
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

  const timer: JobHandler<TimerJob> = {
    queue: timerQueue,
    process: (data, ctx) => (data.kind === 'remind' ? remind(data, ctx) : escalate(data, ctx)),
  };

  let pager: Pager | undefined;
  const page: JobHandler<{ id: string; action: 'trigger' | 'resolve' }> = {
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
          });
        }
      } catch (error) {
        if (error instanceof PagerError && !error.temporary) throw new UnrecoverableError(error.message);
        throw error;
      }
      return { action };
    },
  };

  /** Deploys of every service in the two hours before the incident started. */
  async function deploysBeforeIncident(incident: Incident): Promise<ChangeDeploy[]> {
    const deploys = new DeployStore(services.redis, services.keysOf('deploys'));
    const found: ChangeDeploy[] = [];
    for (const [service, config] of Object.entries(services.catalog.services)) {
      for (const environment of Object.keys(config.deploy?.environments ?? {})) {
        for (const d of await deploys.history(service, environment, 50)) {
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

  /** Slack's upload flow: an upload URL, the bytes, then completing it into the channel. */
  async function uploadFile(channel: string, filename: string, title: string, content: string): Promise<void> {
    const bytes = Buffer.from(content, 'utf8');
    const { upload_url: url, file_id: fileId } = await outbox.call<{ upload_url: string; file_id: string }>(
      'files.getUploadURLExternal',
      { filename, length: bytes.length },
    );
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'text/markdown; charset=utf-8' },
      body: bytes,
      signal: AbortSignal.timeout(30_000),
    });
    await response.text().catch(() => '');
    if (!response.ok) throw new Error(`file upload answered ${response.status}`);
    await outbox.call('files.completeUploadExternal', {
      files: JSON.stringify([{ id: fileId, title }]),
      channel_id: channel,
    });
  }

  const postmortem: JobHandler<{ id: string; n: number }> = {
    queue: postmortemQueue,
    async process({ id, n }, ctx) {
      const incident = await store.get(id);
      if (!incident) return { skipped: 'missing' };
      // The channel may still be being set up (a resolve right after the declaration).
      const channel = await channelOf(incident, ctx);
      const markdown = postmortemMarkdown(incident, await store.timeline(id), {
        deploys: await deploysBeforeIncident(incident),
        // Seam for a flags capability: pass its changes in the window here.
        flags: undefined,
      });
      await outbox.post({
        key: keys.postmortem(id, n),
        channel,
        message: postmortemMessage(incident, markdown),
      });
      if (!(await store.isDone('postmortem-file', id, String(n)))) {
        await uploadFile(
          channel,
          `incident-${id}-postmortem${n > 1 ? `-${n}` : ''}.md`,
          `Postmortem: ${incident.title}`.slice(0, 250),
          markdown,
        );
        await store.markDone('postmortem-file', id, String(n));
      }
      logger.info({ incidentId: id, n }, 'postmortem posted');
      return { posted: n };
    },
  };

  return [setup, sync, timer, page, postmortem] as JobHandler<never>[];
}

/** The most severe severity is critical, the next error, the rest warning. */
function pagerSeverity(index: number): PagerSeverity {
  return index <= 0 ? 'critical' : index === 1 ? 'error' : 'warning';
}
