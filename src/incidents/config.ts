/** incidents' part of ops.yml: the `incidents:` section — severities, escalation, PagerDuty. */
import { z } from 'zod';
import { defineConfig, emptyAsAbsent, key, OwnerSchema } from '../config/catalog.js';
import { duration } from '../config/duration.js';
import { httpUrl } from '../config/url.js';

/** One severity's handling: page on escalation, announce in `slack.incidentsChannel`, remind the commander. */
export const SeveritySchema = emptyAsAbsent(
  z
    .strictObject({
      /** Escalation pages through PagerDuty (when `incidents.pagerduty` is set). */
      page: z.boolean().default(false),
      /** Declarations are announced in `slack.incidentsChannel`. */
      announce: z.boolean().default(false),
      /** The commander is reminded when no status update was posted for this long. */
      updateEvery: duration({ min: 1000 }).optional(),
    })
    .prefault({}),
);

/** The severities an incidents section without `severities:` gets: four, none paging, announced or reminded. */
export const DEFAULT_SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;

/** `incidents:` — severities (most severe first), escalation when nobody acknowledges, PagerDuty. */
export const IncidentsSettingsSchema = z.strictObject({
  severities: emptyAsAbsent(
    z
      .record(key('severity'), SeveritySchema)
      .refine((severities) => Object.keys(severities).length > 0, { error: 'must define at least one severity' })
      .default(Object.fromEntries(DEFAULT_SEVERITIES.map((name) => [name, { page: false, announce: false }]))),
  ),
  escalation: emptyAsAbsent(
    z
      .strictObject({
        /** Not acknowledged within this long → the next escalation level (and a page). */
        ackWithin: duration({ min: 1000 }).default(5 * 60_000),
        /** Who is mentioned at each escalation, in order: user or user-group IDs. */
        levels: emptyAsAbsent(z.array(z.array(OwnerSchema).min(1, { error: 'must list someone' })).default([])),
      })
      .prefault({}),
  ),
  /** PagerDuty Events API v2: escalation triggers an event (dedup key = the incident), resolving resolves it. */
  pagerduty: z
    .strictObject({
      /** The service integration's routing key: use `${PAGERDUTY_ROUTING_KEY}`, never the key itself. */
      routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, { error: 'must be a 32-character integration key' }),
      url: httpUrl().default('https://events.pagerduty.com'),
    })
    .optional(),
});

/** Absent: incidents work with the default severities, and alerts offer no Declare incident button. */
export const incidentsConfig = defineConfig({ name: 'incidents', section: IncidentsSettingsSchema.optional() });

export type IncidentsSettings = z.output<typeof IncidentsSettingsSchema>;
export type SeveritySettings = z.output<typeof SeveritySchema>;
