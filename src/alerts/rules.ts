import { createHash } from 'node:crypto';
import type { Catalog } from '../config/catalog.js';
import { cut } from '../platform/text.js';
import { type AlertsSettings, alertsConfig } from './config.js';
import type { Alert, AlertBatch, AlertmanagerWebhook, GenericWebhook, GrafanaWebhook } from './schemas.js';

/** Resolved and firing again within this long is flapping: the same message is edited and says so. */
export const FLAP_WINDOW_MS = 10 * 60_000;
/**
 * Alerts a group keeps: a sample, firing first then newest first. Alertmanager sends the whole group each time, so
 * the group's counts come from the delivery, not from the sample; this bounds the group's size in Redis.
 */
export const SAMPLE_SIZE = 100;

/**
 * Per-alert caps, applied at ingest: a label or annotation beyond them is left out (or its value shortened) and the
 * alert says so. With SAMPLE_SIZE they bound a stored group to about 1 MB whatever the webhook carried.
 */
export const ALERT_CAPS = {
  labels: 40,
  annotations: 20,
  keyLength: 100,
  labelValueLength: 300,
  annotationValueLength: 2000,
  /** Characters of keys and values in all of one alert's labels and annotations. */
  budget: 8000,
} as const;

export type AlertState = 'firing' | 'resolved';

/** An alert group as Opsdeck keeps it in Redis: everything its one message is built from. */
export interface AlertGroup {
  /** Hash of the sender's group key: safe in Redis keys, outbox keys and button values. */
  id: string;
  /** The sender's group key (Alertmanager's groupKey) or one made from labels. */
  groupKey: string;
  source: AlertBatch['source'];
  groupLabels: Record<string, string>;
  externalURL?: string;
  links: { title: string; url: string }[];
  /** The latest of each alert, by fingerprint: at most SAMPLE_SIZE, firing first then newest. */
  alerts: Record<string, Alert>;
  /** Firing and resolved alerts in the whole group (absent in groups stored before it was kept: count `alerts`). */
  totals?: { firing: number; resolved: number };
  /** Hash of the last whole-group delivery (Alertmanager, Grafana): a resend of it changes nothing. */
  seen?: string;
  state: AlertState;
  /** Bumped when the group fires again after it stayed resolved past the flap window: a new message then. */
  epoch: number;
  /** When this epoch started firing (ms). */
  since: number;
  resolvedAt?: number;
  /** Times it fired again within the flap window in this epoch. */
  flaps: number;
  channel: string;
  mention: string[];
  acknowledged?: { userId: string; at: number };
  /**
   * The silence made from its Silence button: in Alertmanager for Alertmanager's groups, else Opsdeck's own (see
   * `silencedHere`), which outlives the epoch and keeps the group quiet until `until`.
   */
  silence?: { id: string; until: number; userId: string };
  /**
   * This epoch's message is in the thread of that group's message (a related group: same service, fired together);
   * null once decided that it has a message of its own; absent before relating was decided (or with relate off).
   */
  relatedTo?: { id: string; epoch: number } | null;
  /** The groups whose messages are in this message's thread, by id: what its "also firing" line shows. */
  related?: Record<string, RelatedSummary>;
  /** This epoch started while silenced here: no message was posted; the silence's end posts it if still firing. */
  held?: boolean;
  /** The storm digest this group is listed in while it waits for its own message (see digest.ts). */
  digest?: number;
  /** Changes so far in this epoch: numbers the message's thread lines. */
  changes: number;
  updatedAt: number;
}

/** What a group's message shows of a related group in its thread. */
export interface RelatedSummary {
  title: string;
  state: AlertState;
  firing: number;
}

export interface Route {
  channel: string;
  mention: string[];
}

/**
 * Where a group goes: the first `alerts.routes` entry whose `match` labels all equal the group's, else the channel of
 * the service its `service` label names, else `slack.alertsChannel`. Undefined when none applies.
 */
export function routeFor(labels: Record<string, string>, catalog: Catalog): Route | undefined {
  for (const route of alertsConfig.of(catalog).routes) {
    if (Object.entries(route.match).every(([name, value]) => labels[name] === value)) {
      return { channel: route.channel, mention: route.mention };
    }
  }
  const service = labels.service === undefined ? undefined : catalog.services[labels.service];
  if (service?.channel) return { channel: service.channel, mention: [] };
  if (catalog.slack.alertsChannel) return { channel: catalog.slack.alertsChannel, mention: [] };
  return undefined;
}

function hash(text: string, length = 20): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function sortedLabels(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(',')}}`;
}

/** The id Opsdeck keeps a group under, from the sender and its group key. */
export function groupIdOf(source: AlertBatch['source'], groupKey: string): string {
  return hash(`${source}\n${groupKey}`);
}

/** A group key from labels, for senders without one: alerts of one name for one service form a group. */
export function groupKeyFromLabels(labels: Record<string, string>): string {
  const picked: Record<string, string> = {};
  for (const name of ['alertname', 'service']) if (labels[name] !== undefined) picked[name] = labels[name];
  return sortedLabels(Object.keys(picked).length > 0 ? picked : labels);
}

/** Before v0.19 Alertmanager sent no fingerprint: the label set names the alert just as well. */
function fingerprintOf(alert: { fingerprint?: string; labels: Record<string, string> }): string {
  return alert.fingerprint ?? hash(sortedLabels(alert.labels), 16);
}

/**
 * `cut` on a prefix: segmenting a whole 100 KB value into graphemes takes seconds, and no grapheme that ends within
 * `limit` is longer than the 64 units of slack.
 */
function capText(text: string, limit: number): string {
  return cut(text.slice(0, limit + 64), limit);
}

/** A map cut to `max` entries of capped keys and values within `budget` characters; what it left out, counted. */
function capMap(
  map: Record<string, string>,
  max: number,
  valueLength: number,
  budget: { left: number },
): { kept: Record<string, string>; dropped: number; shortened: number } {
  const kept: Record<string, string> = {};
  let dropped = 0;
  let shortened = 0;
  for (const [name, value] of Object.entries(map)) {
    const key = capText(name, ALERT_CAPS.keyLength);
    const text = capText(value, valueLength);
    if (Object.keys(kept).length >= max || key.length + text.length > budget.left || key in kept) {
      dropped++;
      continue;
    }
    if (key !== name || text !== value) shortened++;
    kept[key] = text;
    budget.left -= key.length + text.length;
  }
  return { kept, dropped, shortened };
}

/**
 * An alert within ALERT_CAPS: labels first (they name the alert), then annotations, each kept while it fits; what was
 * left out or shortened is said in `cut` for the message to show.
 */
export function normaliseAlert(alert: Alert): Alert {
  const budget = { left: ALERT_CAPS.budget };
  const labels = capMap(alert.labels, ALERT_CAPS.labels, ALERT_CAPS.labelValueLength, budget);
  const annotations = capMap(alert.annotations, ALERT_CAPS.annotations, ALERT_CAPS.annotationValueLength, budget);
  const notes: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (labels.dropped > 0) notes.push(`${plural(labels.dropped, 'label')} left out`);
  if (annotations.dropped > 0) notes.push(`${plural(annotations.dropped, 'annotation')} left out`);
  const shortened = labels.shortened + annotations.shortened;
  if (shortened > 0) notes.push(`${plural(shortened, 'name or value')} shortened`);
  return {
    ...alert,
    fingerprint: capText(alert.fingerprint, 128),
    startsAt: capText(alert.startsAt, 64),
    labels: labels.kept,
    annotations: annotations.kept,
    ...(alert.generatorURL === undefined ? {} : { generatorURL: capText(alert.generatorURL, 2000) }),
    ...(notes.length > 0 ? { cut: notes.join(', ') } : {}),
  };
}

/** Alertmanager's and Grafana's bodies as a batch. */
export function batchFromAlertmanager(
  source: 'alertmanager' | 'grafana',
  body: AlertmanagerWebhook | GrafanaWebhook,
  receivedAt: number,
): AlertBatch {
  const alerts = body.alerts.map((alert) =>
    normaliseAlert({
      fingerprint: fingerprintOf(alert),
      status: alert.status,
      startsAt: alert.startsAt,
      labels: alert.labels,
      annotations: alert.annotations,
      generatorURL: alert.generatorURL || undefined,
    }),
  );
  const groupKey =
    body.groupKey ??
    (Object.keys(body.groupLabels).length > 0
      ? sortedLabels(body.groupLabels)
      : groupKeyFromLabels(alerts[0]?.labels ?? {}));
  return {
    source,
    groupKey,
    groupLabels: body.groupLabels,
    externalURL: body.externalURL || undefined,
    links: [],
    alerts,
    receivedAt,
  };
}

/** The generic body as a batch of one alert; `title`, `severity` and `service` become labels. */
export function batchFromGeneric(body: GenericWebhook, receivedAt: number): AlertBatch {
  const labels: Record<string, string> = { ...body.labels, alertname: body.title };
  if (body.severity) labels.severity = body.severity;
  if (body.service) labels.service = body.service;
  return {
    source: 'generic',
    groupKey: undefined,
    groupLabels: {},
    links: body.links,
    alerts: [
      normaliseAlert({
        fingerprint: body.fingerprint ?? hash(body.title, 16),
        status: body.status,
        // Without a start, resends of a firing alert are duplicates and it can fire again after resolving.
        startsAt: body.startsAt ?? '',
        labels,
        annotations: body.annotations,
      }),
    ],
    receivedAt,
  };
}

/**
 * A scheduled health check of Opsdeck's own (the status capability) as a batch: one group per service and check,
 * keyed and fingerprinted by them, so its raise and its recovery are one alert that fires and resolves in one message.
 * `startsAt` is the first failure of the run of failures, which tells one outage from the next.
 */
export function batchFromCheck(input: {
  service: string;
  check: string;
  status: AlertState;
  /** ISO time of the first failure in a row. */
  startsAt: string;
  /** The latest result, in words (`503 (expected 2xx) in 40 ms`). */
  summary: string;
  description: string;
  severity?: string;
  receivedAt: number;
}): AlertBatch {
  const name = `${input.service}/${input.check}`;
  return {
    source: 'opsdeck',
    groupKey: `check:${name}`,
    groupLabels: {},
    links: [],
    alerts: [
      {
        fingerprint: hash(`check\n${name}`, 16),
        status: input.status,
        startsAt: input.startsAt,
        labels: {
          alertname: `${name} failing`,
          service: input.service,
          check: input.check,
          severity: input.severity ?? 'warning',
        },
        annotations: { summary: input.summary, description: input.description },
      },
    ],
    receivedAt: input.receivedAt,
  };
}

/** The group key a batch belongs to. */
export function batchGroupKey(batch: AlertBatch): string {
  return batch.groupKey ?? groupKeyFromLabels(batch.alerts[0]?.labels ?? {});
}

/** Labels every alert of the group shares. */
export function commonLabels(alerts: readonly Alert[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.labels).filter(([name, value]) => rest.every((alert) => alert.labels[name] === value)),
  );
}

/** Firing and resolved alerts of the whole group (its sample may show fewer). */
export function counts(group: Pick<AlertGroup, 'alerts' | 'totals'>): { firing: number; resolved: number } {
  return group.totals ?? countOf(Object.values(group.alerts));
}

function countOf(alerts: readonly Alert[]): { firing: number; resolved: number } {
  const firing = alerts.filter((alert) => alert.status === 'firing').length;
  return { firing, resolved: alerts.length - firing };
}

/** Alerts of the group its message shows: the sample, firing first then newest first. */
export function sampleOf(group: AlertGroup): Alert[] {
  return Object.values(group.alerts).sort(newestFirst);
}

function newestFirst(a: Alert, b: Alert): number {
  if (a.status !== b.status) return a.status === 'firing' ? -1 : 1;
  return b.startsAt.localeCompare(a.startsAt);
}

/** What one batch did to its group. */
export interface Applied {
  group: AlertGroup;
  /** Alerts of the batch already known with the same status and start (HA pairs, repeat_interval). */
  duplicates: number;
  /** Nothing changed: no edit, no thread line. */
  unchanged: boolean;
  /** The group posts a new message (a new group, or firing again long after it resolved). */
  newMessage: boolean;
  /** The short line for the message's thread, when something changed on an existing message. */
  line?: string;
}

/** Senders that send the whole group each time: the delivery is the group, and a resend of it is a duplicate. */
function wholeGroup(batch: AlertBatch): boolean {
  return batch.source === 'alertmanager' || batch.source === 'grafana';
}

function deliveryHash(alerts: readonly Alert[]): string {
  return hash(
    alerts
      .map((alert) => `${alert.fingerprint}\n${alert.status}\n${alert.startsAt}`)
      .sort()
      .join('\n'),
    32,
  );
}

/**
 * Applies a batch to its group (undefined when new): dedupes on (fingerprint, status, startsAt), tracks firing →
 * resolved → firing, and says whether a new message is due or the existing one is edited. Undefined when there is
 * nothing to keep: resolved alerts of a group never seen firing.
 */
export function applyBatch(
  previous: AlertGroup | undefined,
  batch: AlertBatch,
  route: Route,
  now: number,
): Applied | undefined {
  const seen = wholeGroup(batch) ? deliveryHash(batch.alerts) : undefined;
  if (previous && seen !== undefined && previous.seen === seen) {
    return { group: previous, duplicates: batch.alerts.length, unchanged: true, newMessage: false };
  }
  const { fresh, duplicates } = dedupe(previous, batch);
  if (previous && fresh.length === 0) {
    return { group: previous, duplicates, unchanged: true, newMessage: false };
  }

  const firingNow = fresh.some((alert) => alert.status === 'firing');
  if (previous === undefined && !firingNow) return undefined;
  const restarting =
    previous !== undefined &&
    previous.state === 'resolved' &&
    firingNow &&
    now - (previous.resolvedAt ?? previous.updatedAt) > FLAP_WINDOW_MS;
  const base: AlertGroup =
    previous === undefined || restarting
      ? newGroup(batch, route, (previous?.epoch ?? 0) + 1, now)
      : { ...previous, alerts: { ...previous.alerts } };
  // An Opsdeck silence outlives the epoch it was made in: the check failing again stays quiet until it ends.
  const silence = previous && silencedHere(previous) ? activeSilence(previous, now) : undefined;
  if (restarting && silence) base.silence = silence;
  const quiet = silence !== undefined;

  for (const alert of fresh) base.alerts[alert.fingerprint] = alert;
  const totals = countOf(Object.values(base.alerts));
  // One-alert senders: alerts trimmed from the sample earlier still count (a whole-group delivery resends them).
  if (!wholeGroup(batch) && previous && !restarting) {
    const hidden = hiddenCounts(previous);
    totals.firing += hidden.firing;
    totals.resolved += hidden.resolved;
  }
  base.alerts = Object.fromEntries(
    sampleOf(base)
      .slice(0, SAMPLE_SIZE)
      .map((alert) => [alert.fingerprint, alert]),
  );
  const { firing, resolved } = totals;
  const state: AlertState = firing > 0 ? 'firing' : 'resolved';
  const newMessage = previous === undefined || restarting;
  const group: AlertGroup = {
    ...base,
    totals,
    seen: seen ?? base.seen,
    externalURL: batch.externalURL ?? base.externalURL,
    links: batch.links.length > 0 ? batch.links : base.links,
    state,
    updatedAt: now,
    changes: newMessage ? 0 : base.changes + 1,
  };
  if (newMessage)
    return {
      // Silenced here, a new epoch is kept but not shown: the silence's end posts it if it still fires.
      group: { ...group, resolvedAt: state === 'resolved' ? now : undefined, ...(quiet && { held: true }) },
      duplicates,
      unchanged: false,
      newMessage,
    };

  let line: string;
  if (previous.state === 'firing' && state === 'resolved') {
    group.resolvedAt = now;
    line = `:white_check_mark: Resolved — all ${resolved} alert${resolved === 1 ? '' : 's'}`;
  } else if (previous.state === 'resolved' && state === 'firing') {
    group.resolvedAt = undefined;
    group.flaps = previous.flaps + 1;
    line = `:repeat: Firing again within ${Math.round(FLAP_WINDOW_MS / 60_000)} min of resolving — flapping (${group.flaps}×)`;
  } else {
    line = `:arrows_counterclockwise: ${changeOf(previous, fresh, totals)} — now ${firing} firing, ${resolved} resolved`;
  }
  // Silenced here: the message (if any) still shows the truth, but nothing is added to its thread.
  return { group, duplicates, unchanged: false, newMessage: false, ...(!quiet && { line }) };
}

/**
 * Whether the group's silences are Opsdeck's own: every sender but Alertmanager, whose silences are made in it (and
 * stop its notifications at the source).
 */
export function silencedHere(group: Pick<AlertGroup, 'source'>): boolean {
  return group.source !== 'alertmanager';
}

/** The group's silence while it lasts. */
export function activeSilence(group: Pick<AlertGroup, 'silence'>, now: number): AlertGroup['silence'] {
  return group.silence && group.silence.until > now ? group.silence : undefined;
}

/** Alerts the group counts but no longer keeps in its sample. */
function hiddenCounts(group: AlertGroup): { firing: number; resolved: number } {
  const all = counts(group);
  const kept = countOf(Object.values(group.alerts));
  return { firing: Math.max(0, all.firing - kept.firing), resolved: Math.max(0, all.resolved - kept.resolved) };
}

/**
 * What changed, for the thread line: the new alerts by status, or the change in counts when the previous group was
 * bigger than its sample (its alerts outside the sample look new on every delivery).
 */
function changeOf(previous: AlertGroup, fresh: readonly Alert[], totals: { firing: number; resolved: number }): string {
  const before = counts(previous);
  const sampled = before.firing + before.resolved <= Object.keys(previous.alerts).length;
  const newlyFiring = sampled ? fresh.filter((a) => a.status === 'firing').length : totals.firing - before.firing;
  const newlyResolved = sampled ? fresh.length - newlyFiring : totals.resolved - before.resolved;
  const parts = [];
  if (newlyFiring !== 0) parts.push(`${sampled ? '' : newlyFiring > 0 ? '+' : ''}${newlyFiring} firing`);
  if (newlyResolved !== 0) parts.push(`${sampled ? '' : newlyResolved > 0 ? '+' : ''}${newlyResolved} resolved`);
  return parts.join(', ') || 'alerts changed';
}

/**
 * The batch's alerts not already known with the same status and start (HA pairs, repeat_interval), and how many were.
 */
function dedupe(
  previous: AlertGroup | undefined,
  batch: AlertBatch,
): { fresh: AlertBatch['alerts']; duplicates: number } {
  let duplicates = 0;
  const fresh = batch.alerts.filter((alert) => {
    const known = previous?.alerts[alert.fingerprint];
    const duplicate =
      known !== undefined &&
      known.startsAt === alert.startsAt &&
      // Same status: a resend. Firing after its own resolve (same start): a stale resend that lost the race to the
      // resolve — an alert that fires again starts anew. Without a start (generic senders) only the first applies.
      (known.status === alert.status || (alert.startsAt !== '' && known.status === 'resolved'));
    if (duplicate) duplicates++;
    return !duplicate;
  });
  return { fresh, duplicates };
}

/** A group's new epoch, before its alerts are added: firing since now, in the route's channel. */
function newGroup(batch: AlertBatch, route: Route, epoch: number, now: number): AlertGroup {
  const groupKey = batchGroupKey(batch);
  return {
    id: groupIdOf(batch.source, groupKey),
    groupKey,
    source: batch.source,
    groupLabels: batch.groupLabels,
    externalURL: batch.externalURL,
    links: batch.links,
    alerts: {},
    state: 'firing',
    epoch,
    since: now,
    flaps: 0,
    channel: route.channel,
    mention: route.mention,
    changes: 0,
    updatedAt: now,
  };
}

/** Alertmanager API v2 matchers that silence exactly this group: its group labels, else what its alerts share. */
export function silenceMatchers(group: AlertGroup): { name: string; value: string; isRegex: false; isEqual: true }[] {
  const labels =
    Object.keys(group.groupLabels).length > 0 ? group.groupLabels : commonLabels(Object.values(group.alerts));
  return Object.entries(labels).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
}

/** The group in Alertmanager's UI, filtered by its matchers. */
export function alertmanagerLink(group: AlertGroup): string | undefined {
  if (group.source !== 'alertmanager' || !group.externalURL) return undefined;
  const filter = `{${silenceMatchers(group)
    .map((m) => `${m.name}=${JSON.stringify(m.value)}`)
    .join(',')}}`;
  return `${group.externalURL.replace(/\/$/, '')}/#/alerts?filter=${encodeURIComponent(filter)}`;
}

/** The group's title: its alertname (Opsdeck's checks: `<service>/<check> failing`). */
export function titleOf(group: Pick<AlertGroup, 'alerts' | 'groupLabels'>): string {
  return (
    commonLabels(Object.values(group.alerts)).alertname ??
    group.groupLabels.alertname ??
    Object.values(group.alerts)[0]?.labels.alertname ??
    'Alert'
  );
}

/**
 * The service a group is about, for relating groups: Opsdeck's own check alerts name their check's service; other
 * groups the first of the `by` labels that their group labels or all their alerts carry.
 */
export function serviceOf(
  group: Pick<AlertGroup, 'source' | 'alerts' | 'groupLabels'>,
  by: readonly string[],
): string | undefined {
  const labels = { ...commonLabels(Object.values(group.alerts)), ...group.groupLabels };
  if (group.source === 'opsdeck') return labels.service;
  for (const name of by) if (labels[name]) return labels[name];
  return undefined;
}

/**
 * Whether a related group may join `lead`'s thread: the lead is that epoch's message, firing, its own (not itself in
 * another's thread, not waiting in a storm digest) and started within `windowMs` — groups that fire together.
 */
export function mayLead(lead: AlertGroup | undefined, epoch: number, now: number, windowMs: number): boolean {
  return (
    lead !== undefined &&
    lead.epoch === epoch &&
    lead.state === 'firing' &&
    !lead.relatedTo &&
    lead.digest === undefined &&
    !lead.held &&
    now - lead.since <= windowMs
  );
}

export function relatedSummaryOf(group: AlertGroup): RelatedSummary {
  return { title: titleOf(group), state: group.state, firing: counts(group).firing };
}

/**
 * The lead with `follower` listed as related, as it is now; the lead itself (nothing to store) when that is what it
 * lists already.
 */
export function withRelated(lead: AlertGroup, follower: AlertGroup): AlertGroup {
  const summary = relatedSummaryOf(follower);
  const known = lead.related?.[follower.id];
  if (known && known.title === summary.title && known.state === summary.state && known.firing === summary.firing) {
    return lead;
  }
  return { ...lead, related: { ...lead.related, [follower.id]: summary } };
}

/** Silence durations the buttons offer. */
export const SILENCE_HOURS = [1, 4, 24] as const;

export type { AlertsSettings };
