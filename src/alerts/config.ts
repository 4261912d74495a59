/** alerts' part of ops.yml: the `alerts:` section — routes, the Alertmanager for silences, digests, group wait. */
import { z } from 'zod';
import { ChannelIdSchema, defineConfig, emptyAsAbsent, OwnerSchema } from '../config/catalog.js';
import { duration } from '../config/duration.js';
import { httpUrl } from '../config/url.js';

/** One alert route: a group whose labels equal every `match` entry goes to `channel`; `mention` is pinged on firing. */
export const AlertRouteSchema = z.strictObject({
  match: z.record(z.string().min(1), z.string()),
  channel: ChannelIdSchema,
  mention: emptyAsAbsent(z.array(OwnerSchema).default([])),
});

/** A label name, as Prometheus allows them. */
const LabelNameSchema = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { error: 'must be a label name such as service' });

/**
 * `alerts.relate`: alert groups for the same service that start firing together (within `window` of the first) are
 * one outage: the later ones post in the first one's thread instead of a top-level message of their own. `by` names the
 * labels that say the service, the first one a group's alerts share wins (Opsdeck's own check alerts always name their
 * check's service). `false` (or `off`) posts every group on its own.
 */
export const RelateSchema = z
  .union([
    z.literal(false),
    z.literal('off'),
    z.strictObject({
      by: z
        .union([LabelNameSchema, z.array(LabelNameSchema).min(1).max(5)])
        .transform((by) => (typeof by === 'string' ? [by] : by))
        .default(['service']),
      window: duration({ min: 1000 }).default(10 * 60_000),
    }),
  ])
  .transform((relate) => (relate === 'off' ? false : relate));

/** `alerts:` — where alert groups go (first matching route wins) and the Alertmanager that silences are made in. */
export const AlertsSettingsSchema = z.strictObject({
  /** Alertmanager's base URL, for silences (API v2). Without it the Silence buttons are not shown. */
  alertmanagerUrl: httpUrl().optional(),
  routes: emptyAsAbsent(z.array(AlertRouteSchema).default([])),
  /** A channel with more Slack writes waiting than this collects new alert groups into one digest message. */
  digestBacklog: z.int().min(1).max(10_000).default(20),
  /**
   * How long a new alert group from the generic webhook waits before its message is posted, like Alertmanager's
   * group_wait (Alertmanager and Grafana have waited theirs already): the alerts that follow within it are in the first
   * post instead of costing an edit each — edits share one Tier 3 budget (50 a minute for the whole app).
   */
  groupWait: duration().default(2000),
  relate: RelateSchema.default({ by: ['service'], window: 10 * 60_000 }),
});

export const alertsConfig = defineConfig({ name: 'alerts', section: AlertsSettingsSchema.prefault({}) });

export type AlertsSettings = z.output<typeof AlertsSettingsSchema>;
