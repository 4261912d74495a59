import { encodePlain, plainOf } from '../platform/mrkdwn.js';
import type { Incident, TimelineEntry } from './incident.js';
import { formatElapsed, ROLE_NAMES, timeToAcknowledge, timeToResolve, utc } from './rules.js';

/** How far before the declaration "what changed" looks. */
export const WHAT_CHANGED_WINDOW_MS = 2 * 3_600_000;

/** A deploy in the window before the incident, as the deploys capability recorded it. */
export interface ChangeDeploy {
  id: string;
  service: string;
  environment: string;
  version: string;
  kind: string;
  status: string;
  requester: string;
  at: number;
}

/** A flag change in the window, as the flags capability's api reports it. */
export interface ChangeFlag {
  flag: string;
  change: string;
  by: string;
  at: number;
}

export interface WhatChanged {
  deploys: ChangeDeploy[];
  /** Undefined: flag changes were not looked up. */
  flags?: ChangeFlag[];
}

/** Which deploys fall in the window before `declaredAt`, newest first. */
export function deploysBefore(deploys: readonly ChangeDeploy[], declaredAt: number): ChangeDeploy[] {
  return deploys
    .filter((d) => d.at <= declaredAt && d.at >= declaredAt - WHAT_CHANGED_WINDOW_MS)
    .sort((a, b) => b.at - a.at);
}

/**
 * Escapes Markdown in text people wrote: the characters CommonMark reads as syntax get a backslash (list markers and
 * setext underlines only at a line's start), so a title or an update never makes a heading, a list item, a link,
 * emphasis, code or HTML in the file.
 */
export function escapeMarkdown(text: string, options: { atLineStart?: boolean } = {}): string {
  // Without `atLineStart` the text follows other text on its first line, where `-` or `1.` mean nothing.
  const lineStart = options.atLineStart ? /^/gm : /(?<=\n)/g;
  const marker = new RegExp(`${lineStart.source}(\\s*)([-+=]|\\d+[.)])`, lineStart.flags);
  return text
    .replace(/[\\`*_[\]<>#|~&]/g, '\\$&')
    .replace(marker, (_, space: string, mark: string) => `${space}${mark.replace(/[-+=.)]$/, '\\$&')}`);
}

/** The text `escapeMarkdown` escaped, as it was (the Slack message shows the same draft). */
export function unescapeMarkdown(markdown: string): string {
  return markdown.replace(/\\([\\`*_[\]<>#|~&\-+=.)])/g, '$1');
}

/**
 * What a person wrote, in Slack's encoding, as Markdown inside one list item: escaped, mentions as `@name`, and every
 * further line indented and quoted, so it stays in its item and can never start another item or a heading.
 */
function quotedMarkdown(
  slackText: string,
  options: { atLineStart?: boolean; after?: string; nameOf?: NameOf } = {},
): string {
  const lines = escapeMarkdown(plainOf(slackText, options.nameOf), options).split(/\r\n|[\n\r\u2028\u2029]/);
  while (lines.length > 1 && lines.at(-1)?.trim() === '') lines.pop();
  const [first = '', ...more] = lines;
  return [first + (options.after ?? ''), ...more.map((line) => `  > ${line}`)].join('\n');
}

/** Plain text for the file: escaped. */
const text = (value: string) => escapeMarkdown(value);

/** A display name (a group's handle) for an id, when Slack knows it. */
export type NameOf = (id: string) => string | undefined;

/** `@Bob` where Slack knows the name, else `@U0BOB`: a Markdown file shows no mentions, only what is written. */
const personIn = (nameOf: NameOf) => (id: string | undefined) => (id ? `@${text(nameOf(id) ?? id)}` : '—');

/** A timeline entry in the file: Opsdeck's words, the people it names, the quoted text, and who (on its first line). */
function entryMarkdown(entry: TimelineEntry, nameOf: NameOf): string {
  const person = personIn(nameOf);
  const people = entry.people?.length ? `: ${entry.people.map(person).join(' ')}` : '';
  const by = entry.by ? ` (${person(entry.by)})` : '';
  if (entry.quote === undefined) return `${text(entry.text)}${people}${by}`;
  return `${text(entry.text)}${people}: ${quotedMarkdown(entry.quote, { after: by, nameOf })}`;
}

/** Every id the draft names: whoever has a role, acted on the timeline, deployed or changed a flag. */
export function peopleOf(incident: Incident, timeline: readonly TimelineEntry[], changed: WhatChanged): string[] {
  const quoted = timeline.flatMap((entry) =>
    [...(entry.quote ?? '').matchAll(/<(?:@|!subteam\^)([A-Z0-9]+)/g)].map((m) => m[1]!),
  );
  const ids = [
    incident.commander,
    incident.comms,
    incident.declaredBy,
    incident.acknowledged?.by,
    incident.resolved?.by,
    ...timeline.flatMap((entry) => [entry.by, ...(entry.people ?? [])]),
    ...quoted,
    ...changed.deploys.map((d) => d.requester),
    ...(changed.flags ?? []).map((f) => f.by),
  ];
  return [...new Set(ids.filter((id): id is string => !!id))];
}

/**
 * The postmortem draft in Markdown: summary, impact, severity, people and roles, the timeline with times, time to
 * acknowledge and to resolve, linked alert groups, and what changed in the two hours before it started.
 */
export function postmortemMarkdown(
  incident: Incident,
  timeline: readonly TimelineEntry[],
  changed: WhatChanged,
  nameOf: NameOf = () => undefined,
): string {
  const person = personIn(nameOf);
  const out: string[] = [];
  out.push(`# Postmortem: ${text(incident.title)} (incident #${incident.id})`, '');
  out.push('_Draft generated by Opsdeck: edit before sharing._', '');
  out.push(
    '## Summary',
    '',
    incident.resolved
      ? quotedMarkdown(incident.resolved.summary, { atLineStart: true, nameOf })
      : '_Not resolved yet._',
    '',
  );
  out.push('## Impact', '');
  out.push(`- Service: ${incident.service ? text(incident.service) : 'not given'}`);
  out.push(`- Declared: ${utc(incident.declaredAt)}`);
  if (incident.resolved) out.push(`- Resolved: ${utc(incident.resolved.at)}`);
  out.push(
    `- Description: ${incident.description ? quotedMarkdown(encodePlain(incident.description)) : '_none given_'}`,
    '',
  );
  out.push('## Severity', '', `${incident.severity.toUpperCase()}`);
  const severityChanges = timeline.filter((entry) => entry.kind === 'severity');
  for (const entry of severityChanges) out.push(`- ${utc(entry.at)}: ${text(entry.text)}`);
  out.push('');
  out.push('## People and roles', '');
  out.push(`- ${ROLE_NAMES.commander}: ${person(incident.commander)}`);
  out.push(`- ${ROLE_NAMES.comms}: ${person(incident.comms)}`);
  out.push(`- Declared by: ${person(incident.declaredBy)}`);
  if (incident.acknowledged) out.push(`- Acknowledged by: ${person(incident.acknowledged.by)}`);
  if (incident.resolved) out.push(`- Resolved by: ${person(incident.resolved.by)}`);
  const responders = [...new Set(timeline.flatMap((entry) => (entry.by ? [entry.by] : [])))];
  out.push(`- Everyone on the timeline: ${responders.map(person).join(', ') || '—'}`, '');
  out.push('## Timeline (UTC)', '');
  for (const entry of timeline) out.push(`- ${utc(entry.at)} — ${entryMarkdown(entry, nameOf)}`);
  out.push('');
  out.push('## Response times', '');
  const tta = timeToAcknowledge(incident);
  const ttr = timeToResolve(incident);
  out.push(`- Time to acknowledge: ${tta === undefined ? 'not acknowledged' : formatElapsed(tta)}`);
  out.push(`- Time to resolve: ${ttr === undefined ? 'not resolved' : formatElapsed(ttr)}`, '');
  out.push('## Alert groups', '');
  if (incident.alertGroups.length === 0) out.push('None linked.');
  for (const group of incident.alertGroups) out.push(`- ${text(group.title)} (group \`${group.id}\`)`);
  out.push('');
  out.push('## What changed (the two hours before it started)', '', '### Deploys', '');
  if (changed.deploys.length === 0) out.push('No deploys recorded.');
  for (const d of changed.deploys) {
    out.push(
      `- ${utc(d.at)} — ${d.kind} #${d.id} of ${text(d.service)} ${text(d.version)} to ${text(d.environment)}: ${d.status} (${person(d.requester)})`,
    );
  }
  out.push('', '### Flag changes', '');
  if (changed.flags === undefined) out.push('No flag changes are recorded.');
  else if (changed.flags.length === 0) out.push('No flag changes recorded.');
  else for (const f of changed.flags) out.push(`- ${utc(f.at)} — ${text(f.flag)}: ${text(f.change)} (${person(f.by)})`);
  out.push('', '## Follow-ups', '', '- [ ] _What would have caught this sooner?_', '');
  return out.join('\n');
}
