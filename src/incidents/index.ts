import { z } from 'zod';
import { parseButtonValue } from '../alerts/messages.js';
import { commonLabels } from '../alerts/rules.js';
import { AlertStore } from '../alerts/store.js';
import { Refused, SlackApiError } from '../errors.js';
import { messageLink, textMessage } from '../platform/blocks.js';
import { type ActionContext, defineCapability, subcommand, type ViewContext } from '../platform/capability.js';
import { args, choice, type Grammar, rest, user, word } from '../platform/grammar/index.js';
import { encodePlain, type Mrkdwn, md, mention, plainOf } from '../platform/mrkdwn.js';
import { type Declaration, IncidentDesk } from './desk.js';
import { type Incident, type IncidentState, STATES } from './incident.js';
import { incidentJobs } from './jobs.js';
import {
  ACTIONS,
  type DeclarePrefill,
  declareModal,
  incidentsHome,
  listMessage,
  resolveModal,
  roleModal,
  SHORTCUT,
  severityModal,
  statusModal,
  timelineMessage,
  VIEWS,
  type View,
} from './messages.js';
import {
  acknowledge,
  assignRole,
  changeSeverity,
  changeStatus,
  declareProblems,
  normaliseSeverity,
  note,
  resolve,
  unknownSeverity,
} from './rules.js';

const severity = word('severity', { description: 'A severity from ops.yml: `sev1`, or just `1`', example: 'sev2' });

/** What a declare modal carries in `private_metadata`: where it came from. */
const DeclareMetadata = z.object({
  channel: z.string().max(20).optional(),
  message: z.string().max(300).optional(),
  group: z.string().max(40).optional(),
});

/** A modal input's value: typed text, a chosen option or a chosen user. */
function inputOf(values: ViewContext['values'], block: string): string | undefined {
  const element = Object.values(values[block] ?? {})[0] as
    | { value?: string | null; selected_option?: { value: string } | null; selected_user?: string | null }
    | undefined;
  const value = element?.value ?? element?.selected_option?.value ?? element?.selected_user ?? undefined;
  return value === null || value === undefined || value.trim() === '' ? undefined : value;
}

function required(values: ViewContext['values'], block: string): string {
  const value = inputOf(values, block);
  if (value === undefined) throw new Refused('Fill in every required field.');
  return value;
}

/**
 * Incidents from declaration to postmortem: a channel per incident with its card pinned, status updates, severity and
 * roles, a timeline (changes, notes, pinned messages), reminders to the commander, escalation and paging when nobody
 * acknowledges, and a postmortem draft on resolve.
 */
export const incidents = defineCapability({
  name: 'incidents',
  title: 'Incidents',
  uses: [
    'redis',
    'key',
    'keysOf',
    'catalog',
    'outbox',
    'jobs',
    'metrics',
    'logger',
    'now',
    'slashCommand',
    'home',
    'names',
  ],
  build: (services) => {
    const desk = new IncidentDesk(services);
    const { store } = desk;

    /**
     * Opens a modal within the trigger's 3 s: everything it shows is known without asking Slack (at most one Redis
     * read, for an alert group). A trigger that ran out is told as such, not as an error.
     */
    const open = async (triggerId: string, view: View) => {
      try {
        await services.outbox.call('views.open', { trigger_id: triggerId, view });
      } catch (error) {
        if (error instanceof SlackApiError && /trigger/.test(error.slackError)) {
          throw new Refused('Slack took too long to open the form: try again.');
        }
        throw error;
      }
    };

    const openDeclare = (triggerId: string, prefill: DeclarePrefill, metadata: z.input<typeof DeclareMetadata>) =>
      open(
        triggerId,
        declareModal({
          severities: desk.settings.order,
          services: desk.serviceNames(),
          prefill,
          metadata: JSON.stringify(metadata),
        }),
      );

    const severityNamed = (input: string) => {
      const name = normaliseSeverity(desk.settings, input);
      if (!name) throw unknownSeverity(desk.settings, input);
      return name;
    };

    /** A subcommand acting on the incident of the channel it is run in. */
    const here = <A>(
      name: string,
      summary: string,
      grammar: Grammar<A>,
      example: string,
      run: (incident: Incident, args: A, userId: string) => Promise<Mrkdwn>,
    ) =>
      subcommand({
        name: `incident ${name}`,
        summary,
        grammar,
        example: `incident ${example}`,
        role: 'responder',
        changes: true,
        // The channel names the incident (one channel per incident): the target is fixed before the handler reads it.
        auditTarget: (_args, where) => `incident-channel/${where.channelId}`,
        async run(ctx) {
          const incident = await desk.inChannel(ctx.channelId, name);
          await ctx.reply(textMessage(await run(incident, ctx.args, ctx.userId)));
        },
      });

    const modalAction = (actionId: string, view: (incident: Incident) => View) => ({
      actionId,
      role: 'responder',
      changes: false,
      async run(ctx: ActionContext) {
        if (!ctx.value) return;
        const incident = await desk.get(ctx.value);
        if (incident.state === 'resolved') throw new Refused(`Incident #${incident.id} is resolved already.`);
        await open(ctx.triggerId, view(incident));
      },
    });

    /** A small modal's submission: reads its fields into one change of the incident named in its metadata. */
    const change = (callbackId: string, read: (ctx: ViewContext) => Parameters<IncidentDesk['apply']>[1]) => ({
      callbackId,
      role: 'responder',
      changes: true,
      auditTarget: (id: string) => `incident/${id}`,
      async run(ctx: ViewContext) {
        const incident = await desk.get(ctx.privateMetadata);
        await desk.apply(incident.id, read(ctx));
      },
    });

    return {
      async home() {
        return incidentsHome(await store.open(), services.slashCommand);
      },
      subcommands: [
        subcommand({
          name: 'incident',
          summary: 'Declare an incident from a form: title, severity, service, description, commander.',
          grammar: args(),
          example: 'incident',
          role: 'responder',
          changes: false,
          async run(ctx) {
            await openDeclare(ctx.triggerId, { commander: ctx.userId }, { channel: ctx.channelId });
          },
        }),
        subcommand({
          name: 'incident declare',
          summary: 'Declare an incident at once: a channel, its card, invites and the announcement follow.',
          grammar: args(severity, rest('title', { example: 'Checkout returns 500s' })),
          example: 'incident declare sev2 Checkout returns 500s',
          role: 'responder',
          changes: true,
          auditTarget: (a) => `incident/${plainOf(a.title).slice(0, 80)}`,
          async run(ctx) {
            const incident = await desk.declare(
              {
                // A title is plain text everywhere (channel name, topic, header): mentions in it read as `@U…`.
                title: plainOf(ctx.args.title),
                severity: severityNamed(ctx.args.severity),
                declaredBy: ctx.userId,
                origin: { channel: ctx.channelId },
              },
              { withinAck: true },
            );
            await ctx.reply(
              textMessage(
                md`:rotating_light: Declared incident #${incident.id} (${incident.severity.toUpperCase()}): its channel is being created and you are invited.`,
              ),
            );
          },
        }),
        subcommand({
          name: 'incident list',
          summary: 'Open incidents, with their channels.',
          grammar: args(),
          example: 'incident list',
          changes: false,
          async run(ctx) {
            await ctx.reply(listMessage(await store.open()));
          },
        }),
        subcommand({
          name: 'incident timeline',
          summary: 'The timeline of this channel’s incident.',
          grammar: args(),
          example: 'incident timeline',
          changes: false,
          async run(ctx) {
            const incident = await desk.inChannel(ctx.channelId, 'timeline');
            await ctx.reply(timelineMessage(incident, await store.timeline(incident.id)));
          },
        }),
        here(
          'ack',
          'Acknowledge this channel’s incident (stops escalation).',
          args(),
          'ack',
          async (incident, _a, by) => {
            await desk.apply(incident.id, (i, now) => acknowledge(i, by, now));
            return md`Acknowledged incident #${incident.id}.`;
          },
        ),
        here(
          'status',
          'Post a status update: investigating, identified, monitoring, or resolved (the text is the summary).',
          args(choice('state', STATES), rest('text', { example: 'rolled back the 14:02 deploy' })),
          'status identified rolled back the 14:02 deploy',
          async (incident, a: { state: IncidentState; text: string }, by) => {
            await desk.apply(incident.id, (i, now) => changeStatus(i, a.state, a.text, by, now));
            return a.state === 'resolved'
              ? md`Resolved incident #${incident.id}: the postmortem draft follows in this channel.`
              : md`Posted the update on incident #${incident.id}.`;
          },
        ),
        here('sev', 'Change the severity.', args(severity), 'sev 1', async (incident, a: { severity: string }, by) => {
          const next = severityNamed(a.severity);
          await desk.apply(incident.id, (i, now) => changeSeverity(i, next, by, now));
          return md`Incident #${incident.id} is ${next} now.`;
        }),
        here(
          'lead',
          'Make someone the incident commander.',
          args(user('user')),
          'lead @bob',
          async (i, a: { user: string }, by) => {
            await desk.apply(i.id, (current, now) => assignRole(current, 'commander', a.user, by, now));
            return md`${mention(a.user)} leads incident #${i.id} now.`;
          },
        ),
        here(
          'comms',
          'Make someone the communications lead.',
          args(user('user')),
          'comms @bob',
          async (i, a: { user: string }, by) => {
            await desk.apply(i.id, (current, now) => assignRole(current, 'comms', a.user, by, now));
            return md`${mention(a.user)} handles communications for incident #${i.id} now.`;
          },
        ),
        here(
          'note',
          'Add a note to the timeline.',
          args(rest('text', { example: 'error rate back under 1%' })),
          'note error rate back under 1%',
          async (i, a: { text: string }, by) => {
            const made = note(i, a.text, by, desk.now());
            await desk.record(i, made.entry, { say: true });
            return md`Noted on the timeline.`;
          },
        ),
        here(
          'resolve',
          'Resolve the incident with a summary: the postmortem draft follows.',
          args(rest('summary', { example: 'bad deploy rolled back' })),
          'resolve bad deploy rolled back',
          async (i, a: { summary: string }, by) => {
            await desk.apply(i.id, (current, now) => resolve(current, a.summary, by, now));
            return md`Resolved incident #${i.id}: the postmortem draft follows in this channel.`;
          },
        ),
        here(
          'postmortem',
          'Post the postmortem draft again, from the timeline as it is now.',
          args(),
          'postmortem',
          async (i) => {
            const n = await desk.postmortem(i.id, { withinAck: true });
            return md`Postmortem draft ${n} is on its way.`;
          },
        ),
      ],
      actions: [
        {
          actionId: ACTIONS.ack,
          role: 'responder',
          changes: true,
          auditTarget: (value) => `incident/${value ?? 'unknown'}`,
          async run(ctx) {
            if (!ctx.value) return;
            await desk.apply(ctx.value, (i, now) => acknowledge(i, ctx.userId, now));
          },
        },
        modalAction(ACTIONS.status, statusModal),
        modalAction(ACTIONS.severity, (incident) => severityModal(incident, desk.settings.order)),
        modalAction(ACTIONS.role, roleModal),
        modalAction(ACTIONS.resolve, resolveModal),
        {
          actionId: ACTIONS.declareFromAlert,
          role: 'responder',
          changes: false,
          async run(ctx) {
            const target = parseButtonValue(ctx.value);
            const group = target && (await new AlertStore(services.redis, services.keysOf('alerts')).get(target.id));
            if (!group) throw new Refused('That alert group is no longer kept.');
            const labels = commonLabels(Object.values(group.alerts));
            const annotations = Object.values(group.alerts)[0]?.annotations ?? {};
            const title = labels.alertname ?? group.groupLabels.alertname ?? 'Alert';
            await openDeclare(
              ctx.triggerId,
              {
                title: annotations.summary ? `${title}: ${annotations.summary}` : title,
                severity: labels.severity && normaliseSeverity(desk.settings, labels.severity),
                service: labels.service,
                description: annotations.description,
                commander: ctx.userId,
              },
              { channel: ctx.channelId, group: group.id },
            );
          },
        },
      ],
      views: [
        {
          callbackId: VIEWS.declare,
          role: 'responder',
          changes: true,
          auditTarget: () => 'incident',
          async run(ctx) {
            const input = {
              title: inputOf(ctx.values, 'title') ?? '',
              severity: inputOf(ctx.values, 'severity') ?? '',
              service: inputOf(ctx.values, 'service'),
              description: inputOf(ctx.values, 'description'),
              commander: inputOf(ctx.values, 'commander'),
            };
            const problems = declareProblems(input, desk.settings, desk.serviceNames());
            if (Object.keys(problems).length > 0) return { errors: problems as Record<string, string> };
            const parsed = DeclareMetadata.safeParse(safeJson(ctx.privateMetadata));
            const metadata = parsed.success ? parsed.data : {};
            const declaration: Declaration = {
              ...input,
              declaredBy: ctx.userId,
              origin: { channel: metadata.channel, message: metadata.message },
            };
            if (metadata.group) {
              const group = await new AlertStore(services.redis, services.keysOf('alerts')).get(metadata.group);
              if (group) {
                const labels = commonLabels(Object.values(group.alerts));
                declaration.alertGroup = {
                  id: group.id,
                  title: labels.alertname ?? group.groupLabels.alertname ?? 'Alert',
                };
              }
            }
            await desk.declare(declaration);
            return undefined;
          },
        },
        change(VIEWS.status, (ctx) => {
          const state = required(ctx.values, 'state');
          // Modal text is plain: encoded, nothing in it is markup (not even a typed `<@U…>`).
          const text = encodePlain(required(ctx.values, 'text'));
          const known = STATES.find((name) => name === state);
          if (!known) throw new Refused('Pick a status.');
          return (i, now) => changeStatus(i, known, text, ctx.userId, now);
        }),
        change(VIEWS.severity, (ctx) => {
          const next = severityNamed(required(ctx.values, 'severity'));
          return (i, now) => changeSeverity(i, next, ctx.userId, now);
        }),
        change(VIEWS.role, (ctx) => {
          const role = required(ctx.values, 'role');
          const person = required(ctx.values, 'user');
          if (role !== 'commander' && role !== 'comms') throw new Refused('Pick a role.');
          return (i, now) => assignRole(i, role, person, ctx.userId, now);
        }),
        change(VIEWS.resolve, (ctx) => {
          const summary = encodePlain(required(ctx.values, 'summary'));
          return (i, now) => resolve(i, summary, ctx.userId, now);
        }),
      ],
      shortcuts: [
        {
          callbackId: SHORTCUT,
          role: 'responder',
          changes: false,
          async run(ctx) {
            const message = ctx.message;
            const link = message && messageLink(message.channelId, message.ts);
            // A message's text is in Slack's encoding; the form shows it as plain text (mentions as `@U…`).
            const text = message && plainOf(message.text);
            await openDeclare(
              ctx.triggerId,
              {
                title: text?.split('\n')[0]?.slice(0, 100),
                description: text !== undefined ? `${text.slice(0, 2500)}\n\nFrom ${link}` : undefined,
                commander: ctx.userId,
              },
              { channel: message?.channelId, message: link },
            );
          },
        },
      ],
      events: ['pin_added', 'reaction_added'].map((type) => ({
        type,
        async run(event: Record<string, unknown>) {
          const marked = PinEvent.safeParse(event);
          if (!marked.success) return;
          const { channel, ts, user: by, text } = marked.data;
          const incident = await store.byChannel(channel);
          if (!incident || incident.state === 'resolved') return;
          if (!(await store.markMessage(incident.id, ts))) return;
          // The message's own text (Slack's encoding), or its address: quoted, never markup.
          const quote = text ? `“${text.slice(0, 300)}”` : messageLink(channel, ts);
          await desk.record(
            incident,
            { at: desk.now(), by, kind: 'pinned', text: type === 'pin_added' ? 'Pinned' : 'Marked :pushpin:', quote },
            { say: false },
          );
        },
      })),
      jobs: incidentJobs(desk),
    };
  },
});

/**
 * `pin_added` (a message pinned) and `reaction_added` with :pushpin:, as the Events API sends them, reduced to where the
 * message is, who marked it and its text when the event carries it.
 */
const PinEvent = z.union([
  z
    .object({
      type: z.literal('pin_added'),
      user: z.string(),
      channel_id: z.string(),
      item: z.object({
        type: z.literal('message'),
        message: z.object({ ts: z.string(), text: z.string().optional() }),
      }),
    })
    .transform((e) => ({ channel: e.channel_id, ts: e.item.message.ts, user: e.user, text: e.item.message.text })),
  z
    .object({
      type: z.literal('reaction_added'),
      user: z.string(),
      reaction: z.literal('pushpin'),
      item: z.object({ type: z.literal('message'), channel: z.string(), ts: z.string() }),
    })
    .transform((e) => ({
      channel: e.item.channel,
      ts: e.item.ts,
      user: e.user,
      text: undefined as string | undefined,
    })),
]);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
