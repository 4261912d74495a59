import { DECLARE_INCIDENT_ACTION } from '../alerts/api.js';
import {
  type Block,
  button,
  context,
  escapeMrkdwn,
  header,
  type Message,
  plainText,
  section,
  sectionsOf,
  truncate,
} from '../platform/blocks.js';
import { cut } from '../platform/text.js';
import { type Incident, STATES, type TimelineEntry } from './incident.js';
import { formatElapsed, ROLE_NAMES, TITLE_MAX, timeToAcknowledge, timeToResolve, utc } from './rules.js';

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

function channelLink(incident: Incident): string {
  return incident.channel ? `<#${incident.channel}>` : '_(channel being created)_';
}

const mention = (id: string | undefined) => (id ? `<@${id}>` : '—');

/** The incident card, pinned in its channel and edited in place for its whole life. */
export function cardMessage(incident: Incident): Message {
  const resolved = incident.state === 'resolved';
  const icon = resolved ? ':large_green_circle:' : ':rotating_light:';
  const title = `Incident #${incident.id}: ${incident.title}`;
  const text = `${icon} ${title} — ${incident.severity.toUpperCase()}, ${incident.state}`;
  const fields = [
    `*Severity*\n${incident.severity.toUpperCase()}`,
    `*Status*\n${incident.state}`,
    `*Commander*\n${mention(incident.commander)}`,
    `*Communications*\n${mention(incident.comms)}`,
    `*Service*\n${incident.service ? escapeMrkdwn(incident.service) : '—'}`,
    `*Acknowledged*\n${incident.acknowledged ? `${mention(incident.acknowledged.by)} after ${formatElapsed(timeToAcknowledge(incident)!)}` : 'not yet'}`,
  ];
  const blocks: Block[] = [
    header(`${resolved ? '✅' : '🚨'} ${truncate(title, 140)}`),
    { type: 'section', fields: fields.map((field) => ({ type: 'mrkdwn', text: field })) },
  ];
  if (incident.description) blocks.push(section(escapeMrkdwn(truncate(incident.description, 2900))));
  if (resolved && incident.resolved) {
    blocks.push(
      section(
        `*Resolved* by ${mention(incident.resolved.by)} after ${formatElapsed(timeToResolve(incident)!)}: ${escapeMrkdwn(truncate(incident.resolved.summary, 2500))}`,
      ),
    );
  }
  const links = incident.alertGroups.map(
    (group) => `alert group \`${group.id.slice(0, 8)}\` ${escapeMrkdwn(truncate(group.title, 60))}`,
  );
  blocks.push(
    context(
      truncate(
        `Declared by ${mention(incident.declaredBy)} at ${utc(incident.declaredAt)} · ${channelLink(incident)}`,
        2900,
      ),
      ...(links.length > 0 ? [truncate(`Linked: ${links.join(', ')}`, 2900)] : []),
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
  return { text, blocks };
}

/** The announcement in `slack.incidentsChannel`, edited as the incident changes. */
export function announceMessage(incident: Incident): Message {
  const icon = incident.state === 'resolved' ? ':large_green_circle:' : ':rotating_light:';
  const text = `${icon} ${incident.severity.toUpperCase()} incident #${incident.id}: ${incident.title} — ${incident.state}`;
  return {
    text,
    blocks: [
      section(
        `${icon} *${incident.severity.toUpperCase()}* incident #${incident.id}: *${escapeMrkdwn(truncate(incident.title, TITLE_MAX))}* — ${incident.state}\nCommander ${mention(incident.commander)} · join ${channelLink(incident)}`,
      ),
    ],
  };
}

/** A status update, posted in the incident channel. */
export function updateMessage(incident: Incident, entry: TimelineEntry): Message {
  const text = `Status update on #${incident.id} by <@${entry.by}>: ${entry.text}`;
  return { text, blocks: [section(`:memo: *${escapeMrkdwn(truncate(entry.text, 2800))}*\n— ${mention(entry.by)}`)] };
}

/** A line in the incident channel for a change (severity, role, acknowledgement, note). */
export function lineMessage(entry: TimelineEntry): Message {
  const text = `${entry.text} (${entry.by ? `<@${entry.by}>` : 'Opsdeck'})`;
  return { text, blocks: [context(truncate(escapeKeepingMentions(text), 2900))] };
}

/** Escapes mrkdwn but keeps the user mentions Opsdeck itself wrote (`<@U123>`). */
function escapeKeepingMentions(text: string): string {
  return escapeMrkdwn(text).replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, '<@$1>');
}

export function reminderMessage(incident: Incident, sinceMs: number): Message {
  const text = `<@${incident.commander}> no status update on incident #${incident.id} for ${formatElapsed(sinceMs)}: post one with Update status or \`/ops incident status <state> <text…>\`.`;
  return { text, blocks: [section(`:alarm_clock: ${text}`)] };
}

export function escalationMessage(
  incident: Incident,
  level: number,
  mentions: readonly string[],
  paged: boolean,
  now: number,
): Message {
  const who = mentions.map((id) => (id.startsWith('S') ? `<!subteam^${id}>` : `<@${id}>`)).join(' ');
  const page = paged ? ' PagerDuty was paged.' : '';
  const text = `${who ? `${who} ` : ''}Incident #${incident.id} (${incident.severity.toUpperCase()}) is not acknowledged after ${formatElapsed(now - incident.declaredAt)}: escalation level ${level}.${page}`;
  return { text, blocks: [section(`:mega: ${text}`)] };
}

/** `/ops incident list`: the open incidents, with their channels. */
export function listMessage(incidents: readonly Incident[]): Message {
  if (incidents.length === 0)
    return { text: 'No open incidents.', blocks: [section(':large_green_circle: No open incidents.')] };
  const lines = incidents.map(
    (i) =>
      `• *${i.severity.toUpperCase()}* #${i.id} ${escapeMrkdwn(truncate(i.title, 100))} — ${i.state} · commander ${mention(i.commander)} · ${channelLink(i)}${i.acknowledged ? '' : ' · _not acknowledged_'}`,
  );
  return {
    text: `${incidents.length} open incident${incidents.length === 1 ? '' : 's'}`,
    blocks: [section(`*Open incidents* (${incidents.length})`), ...sectionsOf(lines).slice(0, 45)],
  };
}

/** One timeline line, as the timeline command and the postmortem show it. */
export function timelineLine(entry: TimelineEntry): string {
  return `${utc(entry.at)} — ${entry.text}${entry.by ? ` (<@${entry.by}>)` : ''}`;
}

export function timelineMessage(incident: Incident, entries: readonly TimelineEntry[]): Message {
  const lines = entries.map((entry) => `• ${escapeKeepingMentions(timelineLine(entry))}`);
  const shown = sectionsOf(lines);
  return {
    text: `Timeline of incident #${incident.id}`,
    blocks: [
      section(`*Timeline of incident #${incident.id}*: ${escapeMrkdwn(truncate(incident.title, TITLE_MAX))}`),
      ...shown.slice(-45),
      ...(shown.length > 45 ? [context('Earlier entries are in the postmortem.')] : []),
    ],
  };
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
    blocks: [context(`Incident #${incident.id}: ${escapeMrkdwn(truncate(incident.title, TITLE_MAX))}`), ...blocks],
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
    .map(
      (i) =>
        `• *${i.severity.toUpperCase()}* #${i.id} ${escapeMrkdwn(truncate(i.title, 80))} — ${i.state} · ${channelLink(i)}`,
    );
  return [
    section(
      truncate(
        `*Incidents*\n${lines.length > 0 ? lines.join('\n') : 'No open incidents.'}\nDeclare one with \`${slash} incident\`.`,
        3000,
      ),
    ),
  ];
}

/** The postmortem draft as a message: its Markdown shown as Slack mrkdwn, with the file following it. */
export function postmortemMessage(incident: Incident, markdown: string): Message {
  const lines = markdown.split('\n').map((line) => {
    const heading = /^#{1,3} (.*)$/.exec(line);
    return heading ? `*${escapeMrkdwn(heading[1]!)}*` : escapeMrkdwn(line.replace(/^- \[ \] /, '☐ '));
  });
  const blocks = sectionsOf(lines);
  return {
    text: `Postmortem draft for incident #${incident.id}: ${incident.title}`,
    blocks: [...blocks.slice(0, 48), ...(blocks.length > 48 ? [context('The rest is in the Markdown file.')] : [])],
  };
}
