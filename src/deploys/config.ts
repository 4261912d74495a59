/**
 * deploys' part of ops.yml: `services.<name>.deploy` — the provider (command, webhook, GitHub Actions), its
 * environments with their approval policy, `verify` checks and auto-rollback. Cross-checks: an approval's role is
 * defined in `roles`, and every `verify` check is one of the service's `checks`.
 */
import { z } from 'zod';
import { ArgvSchema, CommandEnvSchema } from '../config/argv.js';
import { ApprovalSchema, type Catalog, defineConfig, emptyAsAbsent, key } from '../config/catalog.js';
import {
  approvalRoleProblems,
  type ConfigTree,
  checkRefProblems,
  entriesIn,
  isTree,
  itemsIn,
  rawServices,
} from '../config/catalog-refs.js';
import { duration } from '../config/duration.js';
import type { PathProblem } from '../config/interpolate.js';
import { anchored, regexSource } from '../config/regex-source.js';
import { httpUrl } from '../config/url.js';

/**
 * Default `versionPattern`: a version is substituted into argv and URLs, so by default it must look like one — and it
 * can never start with "-", which a deploy script could take for an option.
 */
export const DEFAULT_VERSION_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$';

export { anchored } from '../config/regex-source.js';

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

/** Approval roles are defined; `verify` names checks of the same service. */
function deployRefs(raw: ConfigTree): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const [serviceName, service] of rawServices(raw)) {
    if (!isTree(service.deploy)) continue;
    for (const [envName, environment] of entriesIn(service.deploy.environments)) {
      if (!isTree(environment)) continue;
      const envPath = ['services', serviceName, 'deploy', 'environments', envName];
      problems.push(...approvalRoleProblems(raw, environment.approval, [...envPath, 'approval']));
      itemsIn(environment.verify).forEach((check, index) => {
        problems.push(...checkRefProblems(raw, serviceName, check, [...envPath, 'verify', index]));
      });
    }
  }
  return problems;
}

export const deploysConfig = defineConfig({
  name: 'deploys',
  service: { deploy: DeployConfigSchema.optional() },
  refs: deployRefs,
});

/** Every service with a `deploy:` section, with its environments' names. */
export function deployableServices(catalog: Catalog): Array<{ service: string; environments: string[] }> {
  return Object.entries(catalog.services).flatMap(([service, definition]) => {
    const deploy = deploysConfig.serviceOf(definition).deploy;
    return deploy ? [{ service, environments: Object.keys(deploy.environments) }] : [];
  });
}

export type DeployEnvironment = z.output<typeof EnvironmentSchema>;
export type DeployConfig = z.output<typeof DeployConfigSchema>;
export type DeployProvider = DeployConfig['provider'];
export type CommandDeploy = z.output<typeof CommandDeploySchema>;
export type WebhookDeploy = z.output<typeof WebhookDeploySchema>;
export type GithubDeploy = z.output<typeof GithubDeploySchema>;
