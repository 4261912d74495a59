/**
 * The shared part of the ops.yml schema: `slack`, `roles` and `services` with the fields every capability reads
 * (channel, owners, description, checks). Each capability owns the rest — its top-level section and its fields under
 * `services.<name>` — in its own `config.ts` (see `compose.ts`). Its shape is a contract with users' files: add
 * fields, never rename them. Objects are strict so that a typo (`chekcs:`) is an error, not a silently ignored key.
 */
import { z } from 'zod';
import { CheckSchema } from '../checks/check-kinds.js';
import { duration } from './duration.js';

/** Service names: they appear in commands (`/ops deploy api …`) and in `<service>.<check>` references. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Role, check, environment and step names. */
export const KEY_PATTERN = /^[a-z][a-z0-9_-]*$/;
export const CHANNEL_ID_PATTERN = /^[CGD][A-Z0-9]+$/;
/** Slack user (U…, W… on Enterprise Grid) or user-group (S…) ID. */
export const MEMBER_ID_PATTERN = /^[UWS][A-Z0-9]+$/;

/** A name that appears in commands: a service, a runbook, a flag. */
export const name = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, { error: `${what} names must be lowercase letters, digits and "-", starting with a letter` });
/** A key inside a section: a role, a check, an environment, a step. */
export const key = (what: string) =>
  z.string().regex(KEY_PATTERN, {
    error: `${what} names must be lowercase letters, digits, "-" and "_", starting with a letter`,
  });

/** Treats an empty YAML value (`checks:` with nothing under it) as absent, so defaults apply. */
export const emptyAsAbsent = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema);

export const ChannelIdSchema = z
  .string()
  .regex(CHANNEL_ID_PATTERN, { error: 'must be a Slack channel ID (C…, G… or D…)' });

/** A role member: a user ID, a user-group ID, or `*` for everyone in the workspace. */
export const RoleMemberSchema = z.string().refine((value) => value === '*' || MEMBER_ID_PATTERN.test(value), {
  error: 'must be a Slack user ID (U…/W…), user-group ID (S…) or "*"',
});

/** A service owner: a user or user-group ID (no `*`: owners are the people to notify). */
export const OwnerSchema = z
  .string()
  .regex(MEMBER_ID_PATTERN, { error: 'must be a Slack user ID (U…/W…) or user-group ID (S…)' });

export const SlackSettingsSchema = z.strictObject({
  /** Alerts, and failing checks of services without a channel. */
  alertsChannel: ChannelIdSchema.optional(),
  /** Where declared incidents are announced. */
  incidentsChannel: ChannelIdSchema.optional(),
  /** Prefix of incident channel names (`inc-2024-05-01-db-down`). */
  incidentChannelPrefix: z
    .string()
    .regex(/^[a-z0-9_-]{1,20}$/, { error: 'must be 1–20 lowercase letters, digits, "-" or "_"' })
    .default('inc'),
});

/** role name → members. Opsdeck gives roles meaning (responder, deployer, approver, admin); any name is allowed. */
export const RolesSchema = z.record(key('role'), z.array(RoleMemberSchema));

/**
 * Who must approve before an action runs: `count` people holding role `from` (never the requester), within
 * `expiresIn` of the request. Shared: every capability with dangerous actions (deploys, runbooks, flags) asks for
 * approvals the same way; `roleProblems` in `catalog-refs.ts` checks that `from` is defined.
 */
export const ApprovalSchema = z.strictObject({
  from: key('role'),
  count: z.int().min(1).max(5).default(1),
  expiresIn: duration({ min: 1000 }).default(30 * 60_000),
});

/**
 * The fields of `services.<name>` every capability reads. `checks` stays shared because status runs them, deploys
 * verify with them and runbooks run them as steps; the check kinds live in `src/checks/`. A capability adds its own
 * fields (`deploy`) through its config's `service` part.
 */
export const SHARED_SERVICE_FIELDS = {
  /** Where this service's alerts, failing checks and deploys are posted. */
  channel: ChannelIdSchema.optional(),
  owners: emptyAsAbsent(z.array(OwnerSchema).default([])),
  description: z.string().optional(),
  checks: emptyAsAbsent(z.record(key('check'), CheckSchema).default({})),
};

/** The shared top-level sections; `services` gets its schema from the composition (shared fields + capabilities'). */
export const sharedSections = (service: z.ZodType) => ({
  slack: emptyAsAbsent(SlackSettingsSchema.prefault({})),
  roles: emptyAsAbsent(RolesSchema.default({})),
  services: emptyAsAbsent(z.record(name('service'), service).default({})),
});

const SharedServiceSchema = z.strictObject(SHARED_SERVICE_FIELDS);

export type SlackSettings = z.output<typeof SlackSettingsSchema>;
export type Roles = z.output<typeof RolesSchema>;
export type Approval = z.output<typeof ApprovalSchema>;

/**
 * One service as every capability sees it: the shared fields, typed. A capability reads its own fields through its
 * config (`deploysConfig.serviceOf(service).deploy`), never by name here.
 */
export type Service = z.output<typeof SharedServiceSchema> & { readonly [field: string]: unknown };

/**
 * The parsed ops.yml: the shared sections, typed; each capability reads its own section through its config
 * (`alertsConfig.of(catalog)`), which the composed schema has validated.
 */
export type Catalog = {
  slack: SlackSettings;
  roles: Roles;
  services: Record<string, Service>;
} & { readonly [section: string]: unknown };
