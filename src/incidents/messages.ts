import { DECLARE_INCIDENT_ACTION } from '../alerts/api.js';
import {
  type Block,
  button,
  context,
  fields,
  header,
  type Message,
  message,
  plainText,
  section,
  sectionsOf,
  truncate,
} from '../platform/blocks.js';
import {
  channelMention,
  code,
  configuredPing,
  date,
  type Interpolation,
  join,
  type Mrkdwn,
  md,
  mention,
  quoted,
  said,
} from '../platform/mrkdwn.js';
import { cut } from '../platform/text.js';
import { type Incident, STATES, type TimelineEntry } from './incident.js';
import { unescapeMarkdown } from './postmortem.js';
import { formatElapsed, ROLE_NAMES, TITLE_MAX, timeToAcknowledge, timeToResolve } from './rules.js';

/** Ids this capability owns: buttons, modals and the message shortcut. */
export const ACTIONS = {
  ack: 'incidents:ack',
  status: 'incidents:status',
  severity: 'incidents:severity',
  role: 'incidents:role',
  resolve: 'incidents:resolve',
  declareFromAlert: DECLARE_INCIDENT_ACTION,
} as const;

export const VIEWS = {
  declare: 'incidents:declare',
  status: 'incidents:status',
  severity: 'incidents:severity',
  role: 'incidents:role',
  resolve: 'incidents:resolve',
} as const;

export const SHORTCUT = 'incidents:declare-from-message';

/** Outbox keys of an incident's messages. */
export const keys = {
  card: (id: string) => `incident-${id}-card`,
  announce: (id: string) => `incident-${id}-announce`,
  update: (id: string, n: number) => `incident-${id}-update-${n}`,
  line: (id: string, n: number) => `incident-${id}-line-${n}`,
  postmortem: (id: string, n: number) => `incident-${id}-postmortem-${n}`,
};

export type View = Record<string, unknown>;

const option = (value: string, text = value) => ({ text: plainText(text), value });

function channelLink(incident: Incident): Mrkdwn {
  return incident.channel ? channelMention(incident.channel) : md`_(channel being created)_`;
}

const person = (id: string | undefined) => (id ? mention(id) : '—');

/** The incident card, pinned in its channel and edited in place for its whole life. */
export function cardMessage(incident: Incident): Message {
  const resolved = incident.state === 'resolved';
  const icon = resolved ? ':large_green_circle:' : ':rotating_light:';
  const title = `Incident #${incident.id}: ${incident.title}`;
  const text = md`${icon} ${title} — ${incident.severity.toUpperCase()}, ${incident.state}`;
  const acknowledged = incident.acknowledged
    ? md`${mention(incident.acknowledged.by)} after ${formatElapsed(timeToAcknowledge(incident)!)}`
    : 'not yet';
  const blocks: Block[] = [
    header(`${resolved ? '✅' : '🚨'} ${truncate(title, 140)}`),
    fields(
      md`*Severity*\n${incident.severity.toUpperCase()}`,
      md`*Status*\n${incident.state}`,
      md`*Commander*\n${person(incident.commander)}`,
      md`*Communications*\n${person(incident.comms)}`,
      md`*Service*\n${incident.service ?? '—'}`,
      md`*Acknowledged*\n${acknowledged}`,
    ),
  ];
  if (incident.description) blocks.push(section(md`${truncate(incident.description, 2900)}`));
  if (resolved && incident.resolved) {
    blocks.push(
      section(
        md`*Resolved* by ${mention(incident.resolved.by)} after ${formatElapsed(timeToResolve(incident)!)}: ${quoted(said(truncate(incident.resolved.summary, 2500)))}`,
      ),
    );
  }
  const links = incident.alertGroups.map(
    (group) => md`alert group ${code(group.id.slice(0, 8))} ${truncate(group.title, 60)}`,
  );
  blocks.push(
    context(
      md`Declared by ${mention(incident.declaredBy)} at ${date(incident.declaredAt)} · ${channelLink(incident)}`,
      ...(links.length > 0 ? [md`Linked: ${join(links, ', ')}`] : []),
    ),
  );
  if (!resolved) {
    const id = incident.id;
    blocks.push({
      type: 'actions',
      block_id: `incident-${id}`,
      elements: [
        ...(incident.acknowledged ? [] : [button(ACTIONS.ack, 'Acknowledge', id, 'primary')]),
        button(ACTIONS.status, 'Update status', id),
        button(ACTIONS.severity, 'Change severity', id),
        button(ACTIONS.role, 'Assign role', id),
        button(ACTIONS.resolve, 'Resolve', id, 'danger'),
      ],
    });
  }
  return message(text, blocks);
}

/** The announcement in `slack.incidentsChannel`, edited as the incident changes. */
export function announceMessage(incident: Incident): Message {
  const icon = incident.state === 'resolved' ? ':large_green_circle:' : ':rotating_light:';
  const text = md`${icon} ${incident.severity.toUpperCase()} incident #${incident.id}: ${incident.title} — ${incident.state}`;
  return message(text, [
    section(
      md`${icon} *${incident.severity.toUpperCase()}* incident #${incident.id}: *${truncate(incident.title, TITLE_MAX)}* — ${incident.state}\nCommander ${person(incident.commander)} · join ${channelLink(incident)}`,
    ),
  ]);
}

/** A status update, posted in the incident channel. */
export function updateMessage(incident: Incident, entry: TimelineEntry): Message {
  const update = entryText(entry);
  return message(md`Status update on #${incident.id} by ${person(entry.by)}: ${update}`, [
    section(md`:memo: ${update}\n— ${person(entry.by)}`),
  ]);
}

/** A line in the incident channel for a change (severity, role, acknowledgement, note). */
export function lineMessage(entry: TimelineEntry): Message {
  const text = entryText(entry, entry.by ? mention(entry.by) : 'Opsdeck');
  return message(text, [context(text)]);
}

/**
 * A timeline entry: Opsdeck's words, the people it names, what a person wrote as one quoted entry (its line breaks
 * never start another entry), then who did it, at the end of the first line. Entries stored before `quote` existed
 * are shown as text.
 */
function entryText(entry: TimelineEntry, by?: Interpolation): Mrkdwn {
  const people = entry.people?.length ? md`: ${join(entry.people.map(mention), ' ')}` : '';
  const who = by === undefined ? '' : md` (${by})`;
  if (entry.quote === undefined) return md`${entry.text}${people}${who}`;
  return md`${entry.text}${people}: ${quoted(said(truncate(entry.quote, 2800)), who)}`;
}

export function reminderMessage(incident: Incident, sinceMs: number): Message {
  const text = md`${mention(incident.commander)} no status update on incident #${incident.id} for ${formatElapsed(sinceMs)}: post one with Update status or ${code('/ops incident status <state> <text…>')}.`;
  return message(text, [section(md`:alarm_clock: ${text}`)]);
}

export function escalationMessage(
  incident: Incident,
  level: number,
  mentions: readonly string[],
  paged: boolean,
  now: number,
): Message {
  // The escalation level's configured people and groups: the one place an incident pings a group.
  const who = mentions.length > 0 ? md`${join(mentions.map(configuredPing), ' ')} ` : '';
  const page = paged ? ' PagerDuty was paged.' : '';
  const text = md`${who}Incident #${incident.id} (${incident.severity.toUpperCase()}) is not acknowledged after ${formatElapsed(now - incident.declaredAt)}: escalation level ${level}.${page}`;
  return message(text, [section(md`:mega: ${text}`)]);
}

/** `/ops incident list`: the open incidents, with their channels. */
export function listMessage(incidents: readonly Incident[]): Message {
  if (incidents.length === 0)
    return message(md`No open incidents.`, [section(md`:large_green_circle: No open incidents.`)]);
  const lines = incidents.map(
    (i) =>
      md`• *${i.severity.toUpperCase()}* #${i.id} ${truncate(i.title, 100)} — ${i.state} · commander ${person(i.commander)} · ${channelLink(i)}${i.acknowledged ? '' : md` · _not acknowledged_`}`,
  );
  return message(md`${incidents.length} open incident${incidents.length === 1 ? '' : 's'}`, [
    section(md`*Open incidents* (${incidents.length})`),
    ...sectionsOf(lines).slice(0, 45),
  ]);
}

export function timelineMessage(incident: Incident, entries: readonly TimelineEntry[]): Message {
  const lines = entries.map(
    (entry) =>
      md`• ${date(entry.at, '{date_short_pretty} {time_secs}')} — ${entryText(entry, entry.by === undefined ? undefined : mention(entry.by))}`,
  );
  const shown = sectionsOf(lines);
  return message(md`Timeline of incident #${incident.id}`, [
    section(md`*Timeline of incident #${incident.id}*: ${truncate(incident.title, TITLE_MAX)}`),
    ...shown.slice(-45),
    ...(shown.length > 45 ? [context(md`Earlier entries are in the postmortem.`)] : []),
  ]);
}

/** What a declare modal starts with (from an alert group or a message). */
export interface DeclarePrefill {
  title?: string;
  severity?: string;
  service?: string;
  description?: string;
  commander: string;
}

/** The declare modal; `metadata` travels in `private_metadata` (the alert group, the source message). */
export function declareModal(input: {
  severities: readonly string[];
  services: readonly string[];
  prefill: DeclarePrefill;
  metadata: string;
}): View {
  const { prefill } = input;
  const severity = input.severities.includes(prefill.severity ?? '') ? prefill.severity! : undefined;
  const blocks: Block[] = [
    {
      type: 'input',
      block_id: 'title',
      label: plainText('Title'),
      element: {
        type: 'plain_text_input',
        action_id: 'title',
        max_length: TITLE_MAX,
        ...(prefill.title && { initial_value: prefill.title.slice(0, TITLE_MAX) }),
        placeholder: plainText('Checkout returns 500s'),
      },
    },
    severityInput(input.severities, severity),
  ];
  if (input.services.length > 0) {
    const service = input.services.includes(prefill.service ?? '') ? prefill.service : undefined;
    blocks.push({
      type: 'input',
      block_id: 'service',
      optional: true,
      label: plainText('Service'),
      element: {
        type: 'static_select',
        action_id: 'service',
        options: input.services.slice(0, 100).map((name) => option(name)),
        ...(service && { initial_option: option(service) }),
      },
    });
  }
  blocks.push(
    {
      type: 'input',
      block_id: 'description',
      optional: true,
      label: plainText('What is happening'),
      element: {
        type: 'plain_text_input',
        action_id: 'description',
        multiline: true,
        max_length: 3000,
        ...(prefill.description && { initial_value: cut(prefill.description, 3000) }),
      },
    },
    {
      type: 'input',
      block_id: 'commander',
      optional: true,
      label: plainText('Commander'),
      element: { type: 'users_select', action_id: 'commander', initial_user: prefill.commander },
    },
  );
  return {
    type: 'modal',
    callback_id: VIEWS.declare,
    private_metadata: input.metadata,
    title: plainText('Declare an incident'),
    submit: plainText('Declare'),
    close: plainText('Cancel'),
    blocks,
  };
}

function smallModal(callbackId: string, title: string, submit: string, incident: Incident, blocks: Block[]): View {
  return {
    type: 'modal',
    callback_id: callbackId,
    private_metadata: incident.id,
    title: plainText(title),
    submit: plainText(submit),
    close: plainText('Cancel'),
    blocks: [context(md`Incident #${incident.id}: ${truncate(incident.title, TITLE_MAX)}`), ...blocks],
  };
}

const stateOptions = STATES.map((state) => option(state));

export function statusModal(incident: Incident): View {
  const current = incident.state === 'resolved' ? 'investigating' : incident.state;
  return smallModal(VIEWS.status, 'Update status', 'Post update', incident, [
    {
      type: 'input',
      block_id: 'state',
      label: plainText('Status'),
      element: { type: 'static_select', action_id: 'state', options: stateOptions, initial_option: option(current) },
    },
    {
      type: 'input',
      block_id: 'text',
      label: plainText('Update'),
      element: { type: 'plain_text_input', action_id: 'text', multiline: true, max_length: 2500 },
    },
  ]);
}

export function severityModal(incident: Incident, severities: readonly string[]): View {
  return smallModal(VIEWS.severity, 'Change severity', 'Change', incident, [
    severityInput(severities, incident.severity),
  ]);
}

/** The severity select of the declare and Change severity modals (static_select takes at most 100 options). */
function severityInput(severities: readonly string[], selected: string | undefined): Block {
  return {
    type: 'input',
    block_id: 'severity',
    label: plainText('Severity'),
    element: {
      type: 'static_select',
      action_id: 'severity',
      options: severities.slice(0, 100).map((name) => option(name, name.toUpperCase())),
      ...(selected && { initial_option: option(selected, selected.toUpperCase()) }),
    },
  };
}

export function roleModal(incident: Incident): View {
  return smallModal(VIEWS.role, 'Assign role', 'Assign', incident, [
    {
      type: 'input',
      block_id: 'role',
      label: plainText('Role'),
      element: {
        type: 'static_select',
        action_id: 'role',
        options: Object.entries(ROLE_NAMES).map(([value, name]) => option(value, name)),
        initial_option: option('commander', ROLE_NAMES.commander),
      },
    },
    {
      type: 'input',
      block_id: 'user',
      label: plainText('Person'),
      element: { type: 'users_select', action_id: 'user' },
    },
  ]);
}

export function resolveModal(incident: Incident): View {
  return smallModal(VIEWS.resolve, 'Resolve incident', 'Resolve', incident, [
    {
      type: 'input',
      block_id: 'summary',
      label: plainText('Summary'),
      element: { type: 'plain_text_input', action_id: 'summary', multiline: true, max_length: 2500 },
    },
  ]);
}

/** The capability's Home tab section: open incidents. */
export function incidentsHome(incidents: readonly Incident[], slash: string): Block[] {
  const lines = incidents
    .slice(0, 20)
    .map((i) => md`• *${i.severity.toUpperCase()}* #${i.id} ${truncate(i.title, 80)} — ${i.state} · ${channelLink(i)}`);
  const list = lines.length > 0 ? join(lines, md`\n`) : 'No open incidents.';
  return [section(md`*Incidents*\n${list}\nDeclare one with ${code(`${slash} incident`)}.`)];
}

/**
 * The postmortem draft as a message: its Markdown shown as Slack mrkdwn, with the file following it. The Markdown
 * escapes what people wrote, so only Opsdeck's own headings and checkboxes read as such; the rest shows as written.
 */
export function postmortemMessage(incident: Incident, markdown: string): Message {
  const lines = markdown.split('\n').map((line) => {
    const heading = /^#{1,3} (.*)$/.exec(line);
    const shown = heading ? heading[1]! : line.replace(/^- \[ \] /, '☐ ');
    const continued = /^ {2,}> ?(.*)$/.exec(shown);
    if (continued) return md`> ${unescapeMarkdown(continued[1]!)}`;
    return heading ? md`*${unescapeMarkdown(shown)}*` : md`${unescapeMarkdown(shown)}`;
  });
  const blocks = sectionsOf(lines);
  return message(md`Postmortem draft for incident #${incident.id}: ${incident.title}`, [
    ...blocks.slice(0, 48),
    ...(blocks.length > 48 ? [context(md`The rest is in the Markdown file.`)] : []),
  ]);
}
