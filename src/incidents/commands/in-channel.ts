import { Refused } from '../../errors.js';
import { textMessage } from '../../platform/blocks.js';
import { subcommand } from '../../platform/capability.js';
import { args, choice, type Grammar, rest, user } from '../../platform/grammar/index.js';
import { type Mrkdwn, md, mention } from '../../platform/mrkdwn.js';
import type { IncidentDesk } from '../desk.js';
import { type Incident, type IncidentState, STATES } from '../incident.js';
import { acknowledge, assignRole, changeSeverity, changeStatus, note, resolve } from '../rules.js';
import { NOT_A_PERSON, severity, severityNamed } from './forms.js';

/** A subcommand acting on the incident of the channel it is run in. */
function here<A>(
  desk: IncidentDesk,
  name: string,
  summary: string,
  grammar: Grammar<A>,
  example: string,
  run: (incident: Incident, args: A, userId: string) => Promise<Mrkdwn>,
) {
  return subcommand({
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
}

/** In an incident's channel: ack, status, sev, lead, comms, note, resolve, postmortem. */
export function inChannelCommands(desk: IncidentDesk) {
  return [...changeCommands(desk), ...recordCommands(desk)];
}

/** The incident's state and its people: ack, status, sev, lead, comms. */
function changeCommands(desk: IncidentDesk) {
  return [
    here(
      desk,
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
      desk,
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
    here(
      desk,
      'sev',
      'Change the severity.',
      args(severity),
      'sev 1',
      async (incident, a: { severity: string }, by) => {
        const next = severityNamed(desk, a.severity);
        await desk.apply(incident.id, (i, now) => changeSeverity(i, next, by, now));
        return md`Incident #${incident.id} is ${next} now.`;
      },
    ),
    roleCommand(
      desk,
      'lead',
      'commander',
      'Make someone the incident commander.',
      (who, i) => md`${mention(who)} leads incident #${i.id} now.`,
    ),
    roleCommand(
      desk,
      'comms',
      'comms',
      'Make someone the communications lead.',
      (who, i) => md`${mention(who)} handles communications for incident #${i.id} now.`,
    ),
  ];
}

/** What goes on the record: a note, the resolve, the postmortem draft. */
function recordCommands(desk: IncidentDesk) {
  return [
    here(
      desk,
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
      desk,
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
      desk,
      'postmortem',
      'Post the postmortem draft again, from the timeline as it is now.',
      args(),
      'postmortem',
      async (i) => {
        const n = await desk.postmortem(i.id, { withinAck: true });
        return md`Postmortem draft ${n} is on its way.`;
      },
    ),
  ];
}

/** `/ops lead @bob`, `/ops comms @bob`: a role for a person (never a bot, Slackbot or an id Slack does not know). */
function roleCommand(
  desk: IncidentDesk,
  word: string,
  role: 'commander' | 'comms',
  summary: string,
  said: (userId: string, incident: Incident) => Mrkdwn,
) {
  return here(desk, word, summary, args(user('user')), `${word} @bob`, async (i, a: { user: string }, by) => {
    if (!(await desk.services.names.isPerson(a.user))) throw new Refused(NOT_A_PERSON);
    await desk.apply(i.id, (current, now) => assignRole(current, role, a.user, by, now));
    return said(a.user, i);
  });
}
