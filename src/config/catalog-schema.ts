/**
 * The ops.yml schema. Its shape is a contract with users' files and with every feature that reads the catalog: add
 * fields, never rename them. Objects are strict so that a typo (`chekcs:`) is an error, not a silently ignored key.
 * Cross-references between sections (roles, checks, runbooks) are validated in `catalog-refs.ts`.
 */
import { z } from 'zod';
import { CheckSchema } from '../checks/check-kinds.js';
import { flagsSettingsSchema } from '../flags/config.js';
import { ArgvSchema, CommandEnvSchema } from './argv.js';
import { duration } from './duration.js';
import { regexSource } from './regex-source.js';
import { httpUrl } from './url.js';

/** Service and runbook names: they appear in commands (`/ops deploy api …`) and in `<service>.<check>` references. */
export const NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
/** Role, check, environment and step names. */
export const KEY_PATTERN = /^[a-z][a-z0-9_-]*$/;
export const CHANNEL_ID_PATTERN = /^[CGD][A-Z0-9]+$/;
/** Slack user (U…, W… on Enterprise Grid) or user-group (S…) ID. */
export const MEMBER_ID_PATTERN = /^[UWS][A-Z0-9]+$/;

/**
 * Default `versionPattern`: a version is substituted into argv and URLs, so by default it must look like one — and it
 * can never start with "-", which a deploy script could take for an option.
 */
export const DEFAULT_VERSION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$';

/**
 * A pattern that must match the whole value: `v[0-9.]+` alone would accept `--upload-pack=x v1`. Wrapping in a
 * non-capturing group anchors every alternative (`^a|b$` anchors neither side of the other).
 */
export function anchored(source: string): string {
  return `^(?:${source})$`;
}

const name = (what: string) =>
  z
    .string()
    .regex(NAME_PATTERN, { error: `${what} names must be lowercase letters, digits and "-", starting with a letter` });
const key = (what: string) =>
  z.string().regex(KEY_PATTERN, {
    error: `${what} names must be lowercase letters, digits, "-" and "_", starting with a letter`,
  });

/** Treats an empty YAML value (`checks:` with nothing under it) as absent, so defaults apply. */
const emptyAsAbsent = <T extends z.ZodType>(schema: T) =>
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
 * Who must approve before the action runs: `count` people holding role `from` (never the requester), within
 * `expiresIn` of the request.
 */
export const ApprovalSchema = z.strictObject({
  from: key('role'),
  count: z.int().min(1).max(5).default(1),
  expiresIn: duration({ min: 1000 }).default(30 * 60_000),
});

export const EnvironmentSchema = emptyAsAbsent(
  z
    .strictObject({
      approval: ApprovalSchema.optional(),
      /** Checks of this service run after a deploy; any failure marks the deploy failed. */
      verify: z.array(key('check')).default([]),
      /** A deploy whose verification fails starts a rollback to the last good version at once. */
      autoRollback: z.boolean().default(false),
    })
    .prefault({}),
);

const deployOptions = {
  /** Versions must match this RegExp source as a whole: it is anchored (`^(?:…)$`) whether written so or not. */
  versionPattern: regexSource().transform(anchored).default(DEFAULT_VERSION_PATTERN),
  environments: z
    .record(key('environment'), EnvironmentSchema)
    .refine((environments) => Object.keys(environments).length > 0, { error: 'must define at least one environment' }),
  /** How long a deploy may run before it is failed. */
  timeout: duration().default(15 * 60_000),
};

/**
 * Runs `command` (no shell) with {service}, {version}, {environment}, {user} substituted and `env` added to its
 * environment; exit code 0 is success.
 */
export const CommandDeploySchema = z.strictObject({
  provider: z.literal('command'),
  command: ArgvSchema,
  env: CommandEnvSchema.default({}),
  ...deployOptions,
});

/**
 * POSTs the deploy (id, service, version, environment, user) as JSON to `url`, signed with `secret` when given
 * (`X-Opsdeck-Signature: sha256=<HMAC-SHA256 of "<timestamp>.<body>">`, `X-Opsdeck-Timestamp`). Without `statusUrl`
 * a 2xx answer is success; with it, Opsdeck then GETs `statusUrl` (`{id}` replaced by the deploy id) every
 * `pollInterval` until it answers `{"status": "succeeded" | "failed", "url"?: "…"}`.
 */
export const WebhookDeploySchema = z.strictObject({
  provider: z.literal('webhook'),
  url: httpUrl(),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { error: 'must be an HTTP header name' }), z.string())
    .default({}),
  /** HMAC key: use `${DEPLOY_WEBHOOK_SECRET}`, never the secret itself. */
  secret: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  statusUrl: httpUrl().optional(),
  pollInterval: duration({ min: 100 }).default(5000),
  ...deployOptions,
});

/** Dispatches GitHub Actions `workflow` in `repo` at `ref` (the repository's default branch when absent). */
export const GithubDeploySchema = z.strictObject({
  provider: z.literal('github'),
  repo: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, { error: 'must be "owner/name"' }),
  /** Workflow file name (`deploy.yml`) or ID. */
  workflow: z.union([z.string().min(1), z.int().positive()]).transform(String),
  ref: z.string().min(1).optional(),
  /** Token with actions:write — use `${GITHUB_TOKEN}`, never the token itself. */
  token: z.string().min(1),
  /** GitHub API base (GitHub Enterprise, or a fake in tests); https://api.github.com when absent. */
  apiUrl: httpUrl().optional(),
  /** How often the dispatched run is looked at until it completes. */
  pollInterval: duration({ min: 100 }).default(5000),
  ...deployOptions,
});

export const DEPLOY_PROVIDERS = ['command', 'webhook', 'github'] as const;

export const DeployConfigSchema = z.discriminatedUnion(
  'provider',
  [CommandDeploySchema, WebhookDeploySchema, GithubDeploySchema],
  { error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${DEPLOY_PROVIDERS.join(', ')}` : undefined) },
);

export const ServiceSchema = z.strictObject({
  /** Where this service's alerts, failing checks and deploys are posted. */
  channel: ChannelIdSchema.optional(),
  owners: emptyAsAbsent(z.array(OwnerSchema).default([])),
  description: z.string().optional(),
  checks: emptyAsAbsent(z.record(key('check'), CheckSchema).default({})),
  deploy: DeployConfigSchema.optional(),
  /** Runbooks that apply to this service (names from `runbooks`). */
  runbooks: emptyAsAbsent(z.array(name('runbook')).default([])),
});

/** `<service>.<check>`. */
export const CHECK_REF_PATTERN = /^([a-z][a-z0-9-]*)\.([a-z][a-z0-9_-]*)$/;

export const DEFAULT_STEP_TIMEOUT_MS = 5 * 60_000;

const CheckRefSchema = z.string().regex(CHECK_REF_PATTERN, { error: 'must be "<service>.<check>"' });

/** A step that runs a command (no shell) with `env` added; it fails on a non-zero exit or after `timeout`. */
export interface RunStep {
  name: string;
  run: string[];
  env: Record<string, string>;
  timeout: number;
}

/** A step that runs a service's check (`<service>.<check>`) once; it fails when the check fails. */
export interface CheckStep {
  name: string;
  check: string;
}

export type RunbookStep = RunStep | CheckStep;

/**
 * One object schema with both `run` and `check` optional, then "exactly one": a union of two strict objects would
 * report both variants' errors for a single typo.
 */
export const RunbookStepSchema = z
  .strictObject({
    name: key('step'),
    run: ArgvSchema.optional(),
    env: CommandEnvSchema.optional(),
    check: CheckRefSchema.optional(),
    timeout: duration().optional(),
  })
  .transform((step, ctx): RunbookStep => {
    if (step.run && step.check) {
      ctx.addIssue({ code: 'custom', message: 'a step has either "run" or "check", not both' });
      return z.NEVER;
    }
    if (step.check !== undefined) {
      const runOnly = (['timeout', 'env'] as const).find((option) => step[option] !== undefined);
      if (runOnly) {
        ctx.addIssue({
          code: 'custom',
          path: [runOnly],
          message: 'applies to "run" steps only (a check has its own)',
        });
        return z.NEVER;
      }
      return { name: step.name, check: step.check };
    }
    if (step.run === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a step needs "run" (a command) or "check" (<service>.<check>)' });
      return z.NEVER;
    }
    return { name: step.name, run: step.run, env: step.env ?? {}, timeout: step.timeout ?? DEFAULT_STEP_TIMEOUT_MS };
  });

/** Step names must be unique within a runbook; that is checked with the cross-references (`catalog-refs.ts`). */
export const RunbookSchema = z.strictObject({
  description: z.string().optional(),
  approval: ApprovalSchema.optional(),
  steps: z.array(RunbookStepSchema).min(1, { error: 'must have at least one step' }),
});

const section = <T extends z.ZodType>(schema: T) => emptyAsAbsent(schema);

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

export const CatalogSchema = z.strictObject({
  slack: section(SlackSettingsSchema.prefault({})),
  roles: section(RolesSchema.default({})),
  services: section(z.record(name('service'), ServiceSchema).default({})),
  runbooks: section(z.record(name('runbook'), RunbookSchema).default({})),
  alerts: section(AlertsSettingsSchema.prefault({})),
  /** Absent: incidents work with the default severities, and alerts offer no Declare incident button. */
  incidents: section(IncidentsSettingsSchema.optional()),
  /** Absent: the flag commands say how to set flags up, and no OFREP route is served. */
  flags: section(flagsSettingsSchema(ApprovalSchema).optional()),
});

/** The top-level sections this version understands; others are ignored with a warning. */
export const CATALOG_SECTIONS = Object.keys(CatalogSchema.shape) as Array<keyof typeof CatalogSchema.shape>;

export type Catalog = z.output<typeof CatalogSchema>;
export type SlackSettings = z.output<typeof SlackSettingsSchema>;
export type Roles = z.output<typeof RolesSchema>;
export type Service = z.output<typeof ServiceSchema>;
export type Approval = z.output<typeof ApprovalSchema>;
export type DeployEnvironment = z.output<typeof EnvironmentSchema>;
export type DeployConfig = z.output<typeof DeployConfigSchema>;
export type DeployProvider = DeployConfig['provider'];
export type CommandDeploy = z.output<typeof CommandDeploySchema>;
export type WebhookDeploy = z.output<typeof WebhookDeploySchema>;
export type GithubDeploy = z.output<typeof GithubDeploySchema>;
export type Runbook = z.output<typeof RunbookSchema>;
export type AlertsSettings = z.output<typeof AlertsSettingsSchema>;
export type IncidentsSettings = z.output<typeof IncidentsSettingsSchema>;
export type SeveritySettings = z.output<typeof SeveritySchema>;
