import { createHash } from 'node:crypto';
import type { Catalog } from '../config/catalog.js';
import { type AlertsSettings, alertsConfig } from './config.js';
import type { Alert, AlertBatch, AlertmanagerWebhook, GenericWebhook, GrafanaWebhook } from './schemas.js';

/** Resolved and firing again within this long is flapping: the same message is edited and says so. */
export const FLAP_WINDOW_MS = 10 * 60_000;
/** Alerts kept per group; a bigger group still counts right, it just stops remembering the oldest resolved ones. */
export const MAX_ALERTS_PER_GROUP = 500;

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
  /** The latest of each alert, by fingerprint. */
  alerts: Record<string, Alert>;
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
  silence?: { id: string; until: number; userId: string };
  /** The storm digest this group is listed in while it waits for its own message (see digest.ts). */
  digest?: number;
  /** Changes so far in this epoch: numbers the message's thread lines. */
  changes: number;
  updatedAt: number;
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

/** Alertmanager's and Grafana's bodies as a batch. */
export function batchFromAlertmanager(
  source: 'alertmanager' | 'grafana',
  body: AlertmanagerWebhook | GrafanaWebhook,
  receivedAt: number,
): AlertBatch {
  const alerts = body.alerts.map((alert) => ({
    fingerprint: fingerprintOf(alert),
    status: alert.status,
    startsAt: alert.startsAt,
    labels: alert.labels,
    annotations: alert.annotations,
    generatorURL: alert.generatorURL || undefined,
  }));
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
      {
        fingerprint: body.fingerprint ?? hash(body.title, 16),
        status: body.status,
        // Without a start, resends of a firing alert are duplicates and it can fire again after resolving.
        startsAt: body.startsAt ?? '',
        labels,
        annotations: body.annotations,
      },
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

export function counts(group: AlertGroup): { firing: number; resolved: number } {
  const all = Object.values(group.alerts);
  const firing = all.filter((alert) => alert.status === 'firing').length;
  return { firing, resolved: all.length - firing };
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

/**
 * Applies a batch to its group (undefined when new): dedupes on (fingerprint, status, startsAt), tracks firing →
 * resolved → firing, and says whether a new message is due or the existing one is edited.
 */
export function applyBatch(previous: AlertGroup | undefined, batch: AlertBatch, route: Route, now: number): Applied {
  const { fresh, duplicates } = dedupe(previous, batch);
  if (previous && fresh.length === 0) {
    return { group: previous, duplicates, unchanged: true, newMessage: false };
  }

  const firingNow = fresh.some((alert) => alert.status === 'firing');
  const restarting =
    previous !== undefined &&
    previous.state === 'resolved' &&
    firingNow &&
    now - (previous.resolvedAt ?? previous.updatedAt) > FLAP_WINDOW_MS;
  const base: AlertGroup =
    previous === undefined || restarting
      ? newGroup(batch, route, (previous?.epoch ?? 0) + 1, now)
      : { ...previous, alerts: { ...previous.alerts } };

  for (const alert of fresh) base.alerts[alert.fingerprint] = alert;
  trimAlerts(base);
  const { firing, resolved } = counts(base);
  const state: AlertState = firing > 0 ? 'firing' : 'resolved';
  const newMessage = previous === undefined || restarting;
  const group: AlertGroup = {
    ...base,
    externalURL: batch.externalURL ?? base.externalURL,
    links: batch.links.length > 0 ? batch.links : base.links,
    state,
    updatedAt: now,
    changes: newMessage ? 0 : base.changes + 1,
  };
  if (newMessage)
    return {
      group: { ...group, resolvedAt: state === 'resolved' ? now : undefined },
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
    const newlyFiring = fresh.filter((a) => a.status === 'firing').length;
    const newlyResolved = fresh.length - newlyFiring;
    const parts = [];
    if (newlyFiring > 0) parts.push(`${newlyFiring} firing`);
    if (newlyResolved > 0) parts.push(`${newlyResolved} resolved`);
    line = `:arrows_counterclockwise: ${parts.join(', ')} — now ${firing} firing, ${resolved} resolved`;
  }
  return { group, duplicates, unchanged: false, newMessage: false, line };
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

/** Keeps the newest alerts when a group outgrows MAX_ALERTS_PER_GROUP, dropping resolved ones first. */
function trimAlerts(group: AlertGroup): void {
  const entries = Object.entries(group.alerts);
  if (entries.length <= MAX_ALERTS_PER_GROUP) return;
  entries.sort(([, a], [, b]) =>
    a.status === b.status ? a.startsAt.localeCompare(b.startsAt) : a.status === 'resolved' ? -1 : 1,
  );
  group.alerts = Object.fromEntries(entries.slice(entries.length - MAX_ALERTS_PER_GROUP));
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

/** Silence durations the buttons offer. */
export const SILENCE_HOURS = [1, 4, 24] as const;

export type { AlertsSettings };
