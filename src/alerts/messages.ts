import {
  type Block,
  button,
  context,
  type Message,
  message,
  section,
  sectionsOf,
  truncate,
} from '../platform/blocks.js';
import {
  channelMention,
  code,
  configuredPing,
  date,
  join,
  link,
  type Mrkdwn,
  md,
  mention,
} from '../platform/mrkdwn.js';
import {
  type AlertGroup,
  alertmanagerLink,
  commonLabels,
  counts,
  SILENCE_HOURS,
  silencedHere,
  titleOf,
} from './rules.js';

export const ACK_ACTION = 'alerts_ack';
/** `alerts_silence_1h`, `alerts_silence_4h`, `alerts_silence_24h`. */
export const SILENCE_ACTION = /^alerts_silence_(\d+)h$/;
export const UNSILENCE_ACTION = 'alerts_unsilence';
/** Handled by the incidents capability (it opens its declare modal prefilled from the group); named here so alerts never import incidents. */
export const DECLARE_INCIDENT_ACTION = 'incidents:declare-from-alert';
/** The action id of an alert's Run runbook button; the runbooks capability handles it. */
export const RUN_RUNBOOK_ACTION = 'runbooks:run-from-alert';

/** A button's value: the group and the message (epoch) it was clicked on. */
export function buttonValue(group: Pick<AlertGroup, 'id' | 'epoch'>): string {
  return `${group.id}:${group.epoch}`;
}

export function parseButtonValue(value: string | undefined): { id: string; epoch: number } | undefined {
  const match = /^([0-9a-f]{20}):(\d{1,9})$/.exec(value ?? '');
  return match ? { id: match[1]!, epoch: Number(match[2]) } : undefined;
}

/** The outbox key of a group's message in one epoch (a group firing again long after it resolved posts anew). */
export function messageKey(group: Pick<AlertGroup, 'id' | 'epoch'>): string {
  return `alerts.${group.id}.${group.epoch}`;
}

/**
 * The outbox key of the message whose thread carries what follows from a group (its lines, a runbook run): its own
 * message, or its lead's when it is a related group (a Slack thread is one level deep).
 */
export function threadKeyOf(group: Pick<AlertGroup, 'id' | 'epoch' | 'relatedTo'>): string {
  return messageKey(group.relatedTo ?? group);
}

/** A link to an address from a webhook or ops.yml, when there is an http(s) one. */
function linkTo(url: string | undefined, label: Mrkdwn | string): Mrkdwn | undefined {
  return url && /^https?:\/\//i.test(url) ? link(url, label) : undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 60);
  }
}

/** The runbook a group names (label `runbook` shared by its alerts, else annotation `runbook`), if any. */
export function runbookOf(group: AlertGroup): string | undefined {
  return commonLabels(Object.values(group.alerts)).runbook ?? annotation(group, 'runbook');
}

/** Says when the message is drawn from a sample of a bigger group, and what ingest cut from oversized alerts. */
function sampleNoteOf(group: AlertGroup): Mrkdwn | undefined {
  const alerts = Object.values(group.alerts);
  const { firing, resolved } = counts(group);
  const notes: Mrkdwn[] = [];
  const total = firing + resolved;
  if (total > alerts.length) {
    notes.push(md`Showing ${alerts.length.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} alerts`);
  }
  const cutAlerts = alerts.filter((alert) => alert.cut);
  const [first] = cutAlerts;
  if (first?.cut) {
    notes.push(
      cutAlerts.length > 1
        ? md`:scissors: Oversized labels or annotations were cut (in ${cutAlerts.length} alerts; the first: ${first.cut})`
        : md`:scissors: Oversized labels or annotations were cut (${first.cut})`,
    );
  }
  return notes.length > 0 ? join(notes, '  ·  ') : undefined;
}

function annotation(group: AlertGroup, name: string): string | undefined {
  const values = new Set(
    Object.values(group.alerts)
      .map((alert) => alert.annotations[name])
      .filter(Boolean),
  );
  if (values.size === 0) return undefined;
  const [first] = values;
  return values.size === 1 ? first : `${first} (and ${values.size - 1} more)`;
}

/**
 * The one message of an alert group, edited in place for its whole life: state, counts, severity, common labels,
 * summary and description, links (runbook, source, Alertmanager), who acknowledged, the silence, and the buttons.
 */
export function groupMessage(
  group: AlertGroup,
  options: { canSilence: boolean; canDeclare?: boolean; runbook?: string },
): Message {
  const alerts = Object.values(group.alerts);
  const labels = commonLabels(alerts);
  const { firing, resolved } = counts(group);
  const title = titleOf(group);
  const severity = labels.severity;
  const firingNow = group.state === 'firing';
  const icon = firingNow ? (group.flaps > 0 ? ':large_orange_circle:' : ':red_circle:') : ':large_green_circle:';
  const state = firingNow ? 'FIRING' : 'RESOLVED';
  const severityText = severity ? md` [${truncate(severity, 30)}]` : '';
  const text = md`${state}${severityText} ${truncate(title, 200)} — ${firing} firing, ${resolved} resolved`;

  const blocks: Block[] = [
    section(md`${icon} *${state}*${severityText} *${truncate(title, 200)}* — ${firing} firing, ${resolved} resolved`),
  ];
  // The configured `mention:` of the route: the one place an alert may ping a group.
  if (firingNow && group.mention.length > 0) {
    blocks.push(section(join(group.mention.slice(0, 20).map(configuredPing), ' ')));
  }

  const related = relatedNote(group);
  if (related) blocks.push(context(related));

  const prose: Mrkdwn[] = [];
  const summary = annotation(group, 'summary');
  const description = annotation(group, 'description');
  if (summary) prose.push(md`*${truncate(summary, 500)}*`);
  if (description) prose.push(md`${truncate(description, 1500)}`);
  blocks.push(...sectionsOf(prose).slice(0, 2));

  const labelText = Object.entries(labels)
    .filter(([name]) => name !== 'alertname')
    .slice(0, 20)
    .map(([name, value]) => code(`${truncate(name, 60)}=${truncate(value, 100)}`));
  if (labelText.length > 0) blocks.push(context(join(labelText, ' ')));
  const sampleNote = sampleNoteOf(group);
  if (sampleNote) blocks.push(context(sampleNote));

  const links = [
    linkTo(annotation(group, 'runbook_url'), md`:book: Runbook`),
    linkTo(alerts.find((alert) => alert.generatorURL)?.generatorURL, md`:mag: Source`),
    linkTo(alertmanagerLink(group), md`:bell: Alertmanager`),
    // A sender's link shows where it goes beside the sender's title, so a title cannot disguise it.
    ...group.links.slice(0, 5).map((l) => linkTo(l.url, `${truncate(l.title, 60)} (${hostOf(l.url)})`)),
  ].filter((l): l is Mrkdwn => l !== undefined);
  if (links.length > 0) blocks.push(context(join(links, '  ·  ')));

  const status = [md`Since ${date(group.since)}`];
  if (!firingNow && group.resolvedAt) status.push(md`resolved ${date(group.resolvedAt)}`);
  if (group.flaps > 0) status.push(md`:repeat: flapping — fired again ${group.flaps}× within minutes of resolving`);
  if (group.acknowledged)
    status.push(md`:eyes: Acknowledged by ${mention(group.acknowledged.userId)} ${date(group.acknowledged.at)}`);
  if (group.silence)
    status.push(md`:no_bell: Silenced by ${mention(group.silence.userId)} until ${date(group.silence.until)}`);
  blocks.push(context(...status));

  const buttons = groupButtons(group, options);
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: `alerts-${group.id}`, elements: buttons });
  return message(text, blocks);
}

/** The buttons under a group's message: what a person may do about it now. */
function groupButtons(
  group: AlertGroup,
  options: { canSilence: boolean; canDeclare?: boolean; runbook?: string },
): Record<string, unknown>[] {
  const buttons: Record<string, unknown>[] = [];
  const firing = group.state === 'firing';
  const value = buttonValue(group);
  if (firing && !group.acknowledged) {
    buttons.push(button(ACK_ACTION, 'Acknowledge', value, 'primary'));
  }
  // Alertmanager's groups are silenced in it (when ops.yml names it); every other group here.
  if (silencedHere(group) || options.canSilence) {
    if (group.silence) {
      buttons.push(button(UNSILENCE_ACTION, 'Unsilence', value));
    } else if (firing) {
      for (const hours of SILENCE_HOURS) {
        buttons.push(button(`alerts_silence_${hours}h`, `Silence ${hours}h`, value));
      }
    }
  }
  // Only with an `incidents:` section in ops.yml: declaring is then part of how this team works.
  if (options.canDeclare && firing) {
    buttons.push(button(DECLARE_INCIDENT_ACTION, 'Declare incident', value, 'danger'));
  }
  if (options.runbook && firing) {
    buttons.push(button(RUN_RUNBOOK_ACTION, truncate(`Run ${options.runbook}`, 75), value));
  }
  return buttons;
}

/**
 * The groups in this message's thread, as they are now: "also firing" first, then those resolved since. Says the
 * outage has more than this one group, so nobody reads the top-level message alone.
 */
function relatedNote(group: AlertGroup): Mrkdwn | undefined {
  const related = Object.values(group.related ?? {});
  if (related.length === 0) return undefined;
  const name = (r: (typeof related)[number]) => md`*${truncate(r.title, 100)}*`;
  const firing = related.filter((r) => r.state === 'firing');
  const resolved = related.filter((r) => r.state !== 'firing');
  const parts: Mrkdwn[] = [];
  if (firing.length > 0) parts.push(md`:link: Also firing: ${join(firing.map(name), ', ')}`);
  if (resolved.length > 0)
    parts.push(md`${firing.length > 0 ? '' : ':link: '}Related, resolved: ${join(resolved.map(name), ', ')}`);
  return md`${join(parts, '  ·  ')} — in the thread`;
}

type Listed = { group: AlertGroup; link?: string };

/**
 * `/ops alerts [service]`: the open groups, each with a link to its message, and the silences Opsdeck keeps (its
 * own check alerts', Grafana's and generic groups'; Alertmanager lists its own), with when each ends.
 */
export function openGroupsMessage(groups: Listed[], service: string | undefined, silenced: Listed[] = []): Message {
  const scope = service ? md` for *${service}*` : '';
  const silences = silencesBlocks(silenced, scope);
  if (groups.length === 0) {
    const text = md`No open alert groups${service ? md` for ${service}` : ''}.`;
    return message(text, [section(md`:large_green_circle: No open alert groups${scope}.`), ...silences]);
  }
  const lines = groups.slice(0, 50).map(({ group, link: url }) => {
    const labels = commonLabels(Object.values(group.alerts));
    const { firing } = counts(group);
    const title = truncate(titleOf(group), 100);
    const shown = url ? link(url, title) : title;
    const ack = group.acknowledged ? md` · ack ${mention(group.acknowledged.userId)}` : '';
    const silencedNote = group.silence ? ' · silenced' : '';
    const severity = labels.severity ? md` · ${truncate(labels.severity, 30)}` : '';
    return md`• ${shown} — ${firing} firing${severity}${ack}${silencedNote} · ${channelMention(group.channel)}`;
  });
  const more = groups.length > 50 ? [context(md`…and ${groups.length - 50} more.`)] : [];
  return message(md`${groups.length} open alert group${groups.length === 1 ? '' : 's'}`, [
    section(md`*Open alert groups${scope}* (${groups.length})`),
    ...sectionsOf(lines).slice(0, 36),
    ...more,
    ...silences,
  ]);
}

/** The silences Opsdeck keeps: whose, until when, and the group's state now. */
function silencesBlocks(silenced: Listed[], scope: Mrkdwn | string): Block[] {
  const lines = silenced.flatMap(({ group, link: url }) => {
    if (!group.silence) return [];
    const title = truncate(titleOf(group), 100);
    const state = group.state === 'firing' ? 'firing' : 'resolved';
    return [
      md`• :no_bell: ${url ? link(url, title) : title} — ${state}, silenced by ${mention(group.silence.userId)} until ${date(group.silence.until)} · ${channelMention(group.channel)}`,
    ];
  });
  if (lines.length === 0) return [];
  return [section(md`*Silenced in Opsdeck${scope}* (${lines.length})`), ...sectionsOf(lines).slice(0, 3)];
}

/** The outbox key of a channel's storm digest. */
export function digestKey(channel: string, n: number): string {
  return `alerts.digest.${channel}.${n}`;
}

/**
 * A storm digest: the new groups one busy channel received, listed in one message (edited as they change) until the
 * backlog drains and each still firing gets its own message.
 */
export function digestMessage(groups: readonly AlertGroup[], n: number): Message {
  const waiting = groups.filter((group) => group.digest === n && group.state === 'firing').length;
  const lines = groups.slice(0, 60).map((group) => {
    const labels = commonLabels(Object.values(group.alerts));
    const { firing, resolved } = counts(group);
    const icon = group.state === 'firing' ? ':red_circle:' : ':large_green_circle:';
    const where =
      group.digest === n
        ? group.state === 'firing'
          ? 'own message once the channel is quieter'
          : 'resolved here'
        : 'own message posted';
    const severity = labels.severity ? md` [${truncate(labels.severity, 30)}]` : '';
    return md`${icon}${severity} *${truncate(titleOf(group), 100)}* — ${firing} firing, ${resolved} resolved · _${where}_`;
  });
  const more = groups.length > 60 ? [context(md`…and ${groups.length - 60} more.`)] : [];
  const text = md`Alert storm: ${groups.length} new alert groups, ${waiting} waiting for their own message`;
  return message(text, [
    section(
      md`:cyclone: *Alert storm* — ${groups.length} new alert group${groups.length === 1 ? '' : 's'} collected here while this channel is busy; ${waiting} still waiting for their own message.`,
    ),
    ...sectionsOf(lines).slice(0, 40),
    ...more,
  ]);
}
