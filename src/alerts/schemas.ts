import { z } from 'zod';

/**
 * Label and annotation maps: Alertmanager sends string → string. Not bounded here: a refused body is an alert lost
 * (Alertmanager does not retry a 4xx), so oversized maps are cut at ingest instead (`normaliseAlert` in rules.ts).
 */
const stringMap = z.record(z.string(), z.string());

/**
 * One alert as Alertmanager (webhook version "4") and Grafana's webhook contact point send it. Parsed leniently:
 * newer senders add fields (test/fixtures/alertmanager/FIELDS.md), so unknown keys are ignored, not refused.
 */
const upstreamAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap.default({}),
  startsAt: z.string().min(1).max(64),
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(2000).optional(),
  fingerprint: z.string().min(1).max(128).optional(),
});

/** Alertmanager's webhook body (`version: "4"`). */
export const AlertmanagerWebhookSchema = z.object({
  version: z.literal('4', { error: 'must be "4" (Alertmanager webhook version 4)' }),
  status: z.enum(['firing', 'resolved']),
  groupKey: z.string().min(1).max(2000),
  receiver: z.string().max(500).default(''),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: z.string().max(2000).default(''),
  // No maximum: Alertmanager sends the whole group each time; only the route's body cap bounds it (README).
  alerts: z.array(upstreamAlert).min(1),
});
export type AlertmanagerWebhook = z.output<typeof AlertmanagerWebhookSchema>;

/** Grafana's webhook contact point: Alertmanager's shape with its own `version` ("1") and a few extra fields. */
export const GrafanaWebhookSchema = AlertmanagerWebhookSchema.extend({
  version: z.string().max(20).optional(),
  groupKey: z.string().min(1).max(2000).optional(),
});
export type GrafanaWebhook = z.output<typeof GrafanaWebhookSchema>;

/**
 * `POST /webhooks/generic`: one alert in a documented shape, for senders that are neither Alertmanager nor Grafana.
 * `fingerprint` names the alert across sends (defaults to its title); `startsAt` defaults to when it arrived.
 */
export const GenericWebhookSchema = z.strictObject({
  title: z.string().min(1).max(500),
  status: z.enum(['firing', 'resolved']),
  severity: z.string().max(50).optional(),
  service: z.string().max(100).optional(),
  fingerprint: z.string().min(1).max(128).optional(),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  labels: stringMap.default({}),
  annotations: stringMap.default({}),
  links: z
    .array(z.strictObject({ title: z.string().min(1).max(100), url: z.url({ protocol: /^https?$/ }) }))
    .max(10)
    .default([]),
});
export type GenericWebhook = z.output<typeof GenericWebhookSchema>;

/** One alert, whatever sent it. */
export const AlertSchema = z.object({
  fingerprint: z.string(),
  status: z.enum(['firing', 'resolved']),
  startsAt: z.string(),
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  generatorURL: z.string().optional(),
  /** What ingest left out of an oversized alert, in words (`normaliseAlert`). */
  cut: z.string().optional(),
});
export type Alert = z.output<typeof AlertSchema>;

/** What a webhook becomes once read: the unit of work of the ingest job. */
export const AlertBatchSchema = z.object({
  /** `opsdeck`: Opsdeck's own scheduled checks (the status capability), see `batchFromCheck`. */
  source: z.enum(['alertmanager', 'grafana', 'generic', 'opsdeck']),
  /** The sender's group key (Alertmanager's groupKey), or undefined: the group then comes from the labels. */
  groupKey: z.string().optional(),
  /** Labels that define the group (Alertmanager's groupLabels). */
  groupLabels: z.record(z.string(), z.string()),
  /** Alertmanager's (or Grafana's) own URL, for the link to the group and for nothing else. */
  externalURL: z.string().optional(),
  links: z.array(z.object({ title: z.string(), url: z.string() })).default([]),
  alerts: z.array(AlertSchema).min(1),
  /** When the webhook arrived (ms since the epoch), for the delivery latency. */
  receivedAt: z.number(),
});
export type AlertBatch = z.output<typeof AlertBatchSchema>;
