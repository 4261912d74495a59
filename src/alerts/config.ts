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
});

export const alertsConfig = defineConfig({ name: 'alerts', section: AlertsSettingsSchema.prefault({}) });

export type AlertsSettings = z.output<typeof AlertsSettingsSchema>;
