import { z } from 'zod';

export const STATES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type IncidentState = (typeof STATES)[number];

/** The roles a person can hold in an incident. */
export const ROLES = ['commander', 'comms'] as const;
export type IncidentRole = (typeof ROLES)[number];

/**
 * What the declaration's worker job has done so far: it runs each step once, saving progress here, so a rerun after a
 * crash resumes where it stopped instead of creating a second channel or posting a second card.
 */
const SetupSchema = z.object({
  /** The channel name chosen (with a suffix when the plain one was taken). */
  channelName: z.string().optional(),
  topic: z.string().optional(),
  invited: z.boolean().default(false),
  cardPosted: z.boolean().default(false),
  pinned: z.boolean().default(false),
  announced: z.boolean().default(false),
  done: z.boolean().default(false),
});

export const IncidentSchema = z.object({
  id: z.string(),
  title: z.string(),
  /** The title's normalised form, the key that keeps two open incidents from sharing a title. */
  titleKey: z.string(),
  severity: z.string(),
  service: z.string().optional(),
  description: z.string().default(''),
  state: z.enum(STATES),
  declaredBy: z.string(),
  declaredAt: z.number(),
  /** Where it was declared from, to answer there. */
  origin: z.object({ channel: z.string().optional(), message: z.string().optional() }).default({}),
  commander: z.string(),
  comms: z.string().optional(),
  channel: z.string().optional(),
  acknowledged: z.object({ by: z.string(), at: z.number() }).optional(),
  /** Status updates so far: numbers update posts and reminder jobs (a newer update replaces the reminder). */
  updates: z.int().default(0),
  lastUpdateAt: z.number(),
  /** Escalation levels reached (0: none yet) and whether PagerDuty was paged. */
  escalations: z.int().default(0),
  paged: z.boolean().default(false),
  /** `summary` as the person wrote it, in Slack's encoding (see `said` in platform/mrkdwn.ts). */
  resolved: z.object({ by: z.string(), at: z.number(), summary: z.string() }).optional(),
  /** Postmortems posted (regenerating posts another one). */
  postmortems: z.int().default(0),
  alertGroups: z.array(z.object({ id: z.string(), title: z.string() })).default([]),
  setup: SetupSchema.prefault({}),
});
export type Incident = z.output<typeof IncidentSchema>;

export const TIMELINE_KINDS = [
  'declared',
  'acknowledged',
  'status',
  'severity',
  'role',
  'note',
  'pinned',
  'escalated',
  'resolved',
] as const;

export const TimelineEntrySchema = z.object({
  at: z.number(),
  /** Who did it; absent for Opsdeck's own entries (an escalation). */
  by: z.string().optional(),
  kind: z.enum(TIMELINE_KINDS),
  /** Opsdeck's own words (`Status identified`, `Commander`); shown escaped, never as markup. */
  text: z.string(),
  /** People the entry names, as Slack ids Opsdeck resolved (a role's holder, who an escalation pinged). */
  people: z.array(z.string()).optional(),
  /**
   * What a person wrote (an update, a note, a summary, a pinned message), in Slack's encoding: shown as one quoted
   * entry, the only markup in it the mentions the grammar parsed. Entries stored before it kept everything in `text`.
   */
  quote: z.string().optional(),
});
export type TimelineEntry = z.output<typeof TimelineEntrySchema>;
