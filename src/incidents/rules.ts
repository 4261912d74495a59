import { createRequire } from 'node:module';
import type { Catalog } from '../config/catalog-schema.js';
import { withoutPrototypes } from '../config/own-keys.js';
import { Refused } from '../errors.js';
import { lazy } from '../platform/lazy.js';
import { encodePlain, md, mention, shownPlain } from '../platform/mrkdwn.js';
import { cut } from '../platform/text.js';
import { DEFAULT_SEVERITIES, type IncidentsSettings, incidentsConfig, type SeveritySettings } from './config.js';
import type { Incident, IncidentRole, IncidentState, TimelineEntry } from './incident.js';

/**
 * The incident rules, pure: data and `now` in, the next incident and its timeline entry out (or a refusal saying
 * why). The handlers and jobs store what these return; nothing here reads Redis or talks to Slack.
 */

/** ops.yml's `incidents:` with its defaults; `configured` is false when the section is absent. */
export interface IncidentSettings extends IncidentsSettings {
  configured: boolean;
  /** Severity names, most severe first (as written in ops.yml). */
  order: string[];
}

export function settingsOf(catalog: Catalog): IncidentSettings {
  const configured = incidentsConfig.of(catalog);
  const section: IncidentsSettings = configured ?? {
    severities: withoutPrototypes(
      Object.fromEntries(DEFAULT_SEVERITIES.map((name) => [name, { page: false, announce: false }])),
    ),
    escalation: { ackWithin: 5 * 60_000, levels: [] },
  };
  return { ...section, configured: configured !== undefined, order: Object.keys(section.severities) };
}

export function severityOf(settings: IncidentSettings, severity: string): SeveritySettings {
  return settings.severities[severity] ?? { page: false, announce: false };
}

/** `sev2`, `SEV2` or `2` → `sev2` when ops.yml has it; undefined otherwise. */
export function normaliseSeverity(settings: IncidentSettings, input: string): string | undefined {
  const lower = input.trim().toLowerCase();
  if (settings.order.includes(lower)) return lower;
  if (/^\d+$/.test(lower)) return settings.order.find((name) => name.replace(/\D+/g, '') === lower);
  return undefined;
}

/** The refusal for a severity ops.yml does not list. */
export function unknownSeverity(settings: IncidentSettings, input: string): Refused {
  return new Refused(`\`${cut(input, 20)}\` is not a severity (ops.yml has ${settings.order.join(', ')}).`);
}

export const TITLE_MAX = 120;

/** The form two titles share when they name the same incident: case and spacing do not count. */
export function titleKeyOf(title: string): string {
  return title.trim().toLowerCase().replace(/\s+/g, ' ');
}

/**
 * transliteration's tables take about 12 MB once loaded, and only the worker naming an incident's channel needs them:
 * loaded on first use, so a bot process never holds them.
 */
const transliterate = lazy(
  () => (createRequire(import.meta.url)('transliteration') as typeof import('transliteration')).transliterate,
);

/**
 * The title in lowercase ASCII letters and digits joined by `-`, at most 40 characters: the readable part of a
 * channel name. Other scripts are transliterated (`Платежи` → `platezhi`, `支付` → `zhi-fu`); what is left empty, or
 * only digits, is no slug (the channel is then named by the incident's number).
 */
export function slugOf(title: string): string | undefined {
  const slug = transliterate()(title)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return slug === '' || /^[0-9-]+$/.test(slug) ? undefined : slug;
}

/**
 * The names an incident's channel may take, in order: `<prefix>-<yyyymmdd>-<slug>`, then `<prefix>-<yyyymmdd>-<id>`.
 * A slug is never only digits, so the second form names this incident and no other: two candidates at most, and no
 * `conversations.create` per taken name.
 */
export function channelNamesFor(prefix: string, declaredAt: number, title: string, id: string): string[] {
  const day = new Date(declaredAt).toISOString().slice(0, 10).replace(/-/g, '');
  const slug = slugOf(title);
  const byNumber = `${prefix}-${day}-${id}`;
  return slug ? [`${prefix}-${day}-${slug}`, byNumber] : [byNumber];
}

/**
 * The channel topic: severity, state, commander and title (Slack allows 250 characters). Slack shows topics as plain
 * text (no mentions, no formatting), so the commander is a name: the display name `nameOf` found, else the id.
 */
export function topicOf(incident: Incident, nameOf: (id: string) => string | undefined = () => undefined): string {
  const commander = nameOf(incident.commander) ?? incident.commander;
  const topic = `${incident.severity.toUpperCase()} · ${incident.state} · commander ${commander} · ${incident.title}`;
  return cut(shownPlain(topic), 250);
}

/** What a modal or command asks to declare, before it is checked. */
export interface DeclareInput {
  title: string;
  severity: string;
  service?: string;
  description?: string;
  commander?: string;
}

/**
 * The problems of a declaration, by field (the modal shows each under its block). Empty when it may go ahead.
 */
export function declareProblems(
  input: DeclareInput,
  settings: IncidentSettings,
  services: readonly string[],
): Partial<Record<'title' | 'severity' | 'service' | 'description', string>> {
  const problems: Partial<Record<'title' | 'severity' | 'service' | 'description', string>> = {};
  const title = input.title.trim();
  if (title === '') problems.title = 'Give the incident a title.';
  else if (title.length > TITLE_MAX) problems.title = `At most ${TITLE_MAX} characters.`;
  if (!normaliseSeverity(settings, input.severity)) problems.severity = `Pick one of ${settings.order.join(', ')}.`;
  if (input.service && !services.includes(input.service)) problems.service = 'Not a service in ops.yml.';
  if ((input.description ?? '').length > 3000) problems.description = 'At most 3000 characters.';
  return problems;
}

/** A new incident from a declaration that passed `declareProblems`. */
export function newIncident(
  input: DeclareInput & { id: string; declaredBy: string; origin?: Incident['origin'] },
  settings: IncidentSettings,
  now: number,
): { incident: Incident; entry: TimelineEntry } {
  const title = input.title.trim();
  const severity = normaliseSeverity(settings, input.severity)!;
  const incident: Incident = {
    id: input.id,
    title,
    titleKey: titleKeyOf(title),
    severity,
    ...(input.service ? { service: input.service } : {}),
    description: (input.description ?? '').trim(),
    state: 'investigating',
    declaredBy: input.declaredBy,
    declaredAt: now,
    origin: input.origin ?? {},
    commander: input.commander ?? input.declaredBy,
    updates: 0,
    lastUpdateAt: now,
    escalations: 0,
    paged: false,
    postmortems: 0,
    alertGroups: [],
    setup: { invited: false, cardPosted: false, pinned: false, announced: false, done: false },
  };
  return {
    incident,
    entry: { at: now, by: input.declaredBy, kind: 'declared', text: `Declared ${severity}`, quote: encodePlain(title) },
  };
}

export type Change = { incident: Incident; entry: TimelineEntry };

function open(incident: Incident): void {
  if (incident.state === 'resolved') throw new Refused(`Incident #${incident.id} is resolved already.`);
}

export function acknowledge(incident: Incident, by: string, now: number): Change {
  open(incident);
  if (incident.acknowledged) {
    throw new Refused(md`Incident #${incident.id} was acknowledged by ${mention(incident.acknowledged.by)} already.`);
  }
  return {
    incident: { ...incident, acknowledged: { by, at: now } },
    entry: { at: now, by, kind: 'acknowledged', text: 'Acknowledged' },
  };
}

/**
 * A status update (not `resolved`: that is `resolve`, which needs a summary). Acknowledges too when nobody had. `text`
 * (like a note's and a summary) is in Slack's encoding: a command's `rest()`, or modal text through `encodePlain`.
 */
export function updateStatus(
  incident: Incident,
  state: Exclude<IncidentState, 'resolved'>,
  text: string,
  by: string,
  now: number,
): Change {
  open(incident);
  return {
    incident: {
      ...incident,
      state,
      updates: incident.updates + 1,
      lastUpdateAt: now,
      acknowledged: incident.acknowledged ?? { by, at: now },
    },
    entry: { at: now, by, kind: 'status', text: state, quote: text },
  };
}

export function changeSeverity(incident: Incident, severity: string, by: string, now: number): Change {
  open(incident);
  if (incident.severity === severity) throw new Refused(`Incident #${incident.id} is ${severity} already.`);
  return {
    incident: { ...incident, severity },
    entry: { at: now, by, kind: 'severity', text: `Severity ${incident.severity} → ${severity}` },
  };
}

export const ROLE_NAMES: Record<IncidentRole, string> = { commander: 'Commander', comms: 'Communications' };

export function assignRole(incident: Incident, role: IncidentRole, userId: string, by: string, now: number): Change {
  open(incident);
  if (incident[role] === userId) {
    throw new Refused(md`${mention(userId)} is the ${ROLE_NAMES[role].toLowerCase()} already.`);
  }
  return {
    incident: { ...incident, [role]: userId },
    entry: { at: now, by, kind: 'role', text: ROLE_NAMES[role], people: [userId] },
  };
}

export function note(incident: Incident, text: string, by: string, now: number): Change {
  return { incident, entry: { at: now, by, kind: 'note', text: 'Note', quote: text } };
}

export function resolve(incident: Incident, summary: string, by: string, now: number): Change {
  open(incident);
  return {
    incident: {
      ...incident,
      state: 'resolved',
      resolved: { by, at: now, summary },
      acknowledged: incident.acknowledged ?? { by, at: now },
    },
    entry: { at: now, by, kind: 'resolved', text: 'Resolved', quote: summary },
  };
}

/** `Update status` with any state: `resolved` resolves, with the update's text as the summary. */
export function changeStatus(incident: Incident, state: IncidentState, text: string, by: string, now: number): Change {
  return state === 'resolved' ? resolve(incident, text, by, now) : updateStatus(incident, state, text, by, now);
}

/** When the commander is next due a reminder (no update for `updateEvery`), or undefined when none is. */
export function reminderDueAt(incident: Incident, settings: IncidentSettings): number | undefined {
  const every = severityOf(settings, incident.severity).updateEvery;
  if (incident.state === 'resolved' || every === undefined) return undefined;
  return incident.lastUpdateAt + every;
}

/**
 * The escalation due for `level` (1 = the first): when it is due, and who to mention. Undefined when the incident
 * needs none (acknowledged, resolved, or past the last level and paged already).
 */
export function escalationFor(
  incident: Incident,
  settings: IncidentSettings,
  level: number,
): { dueAt: number; mention: string[]; page: boolean } | undefined {
  if (incident.acknowledged || incident.state === 'resolved') return undefined;
  const levels = settings.escalation.levels;
  const page = severityOf(settings, incident.severity).page && settings.pagerduty !== undefined && !incident.paged;
  const mention = levels[level - 1] ?? [];
  if (mention.length === 0 && !page) return undefined;
  return { dueAt: incident.declaredAt + settings.escalation.ackWithin * level, mention, page };
}

export function timeToAcknowledge(incident: Incident): number | undefined {
  return incident.acknowledged && incident.acknowledged.at - incident.declaredAt;
}

export function timeToResolve(incident: Incident): number | undefined {
  return incident.resolved && incident.resolved.at - incident.declaredAt;
}

/** `3m 12s`, `1h 2m`, `2d 4h`: two units at most. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const units: Array<[string, number]> = [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  let left = seconds;
  for (const [unit, size] of units) {
    if (left >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** `2026-12-02 06:40:01 UTC`. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
