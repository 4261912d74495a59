/** flags' part of ops.yml: the `flags:` section — environments and their OFREP tokens, approvals, staleness, role. */
import { z } from 'zod';
import { ApprovalSchema, defineConfig, KEY_PATTERN } from '../config/catalog.js';
import { approvalRoleProblems, type ConfigTree, entriesIn, isTree } from '../config/catalog-refs.js';
import { duration } from '../config/duration.js';
import type { PathProblem } from '../config/interpolate.js';

const environmentName = z.string().regex(KEY_PATTERN, {
  error: 'environment names must be lowercase letters, digits, "-" and "_", starting with a letter',
});

/**
 * One flag environment. Its OFREP bearer token selects it: use `${FLAGS_STAGING_TOKEN}`, never the token itself. Long
 * enough that guessing one is hopeless; printable ASCII without spaces, so it survives an `Authorization` header.
 */
export const FlagEnvironmentSchema = z.strictObject({
  token: z
    .string()
    .min(16, { error: 'must be at least 16 characters' })
    .max(512, { error: 'must be at most 512 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' }),
});

/**
 * `flags:` — the environments flags are evaluated in (each with its OFREP token), which of them need an approval for
 * changes, when an unchanged flag counts as stale, and who may change flags.
 */
export const FlagsSettingsSchema = z
  .strictObject({
    environments: z
      .record(environmentName, FlagEnvironmentSchema)
      .refine((environments) => Object.keys(environments).length > 0, { error: 'must define at least one environment' })
      .refine(
        (environments) =>
          new Set(Object.values(environments).map((e) => e.token)).size === Object.keys(environments).length,
        { error: 'each environment needs its own token (the token selects the environment)' },
      ),
    approval: z.preprocess(
      (value) => (value === null ? undefined : value),
      z.record(environmentName, ApprovalSchema).default({}),
    ),
    staleAfter: duration({ min: 60_000 }).default(30 * 86_400_000),
    role: z.string().regex(KEY_PATTERN, { error: 'must be a role name' }).default('deployer'),
  })
  .superRefine((flags, ctx) => {
    for (const environment of Object.keys(flags.approval)) {
      if (!Object.hasOwn(flags.environments, environment)) {
        ctx.addIssue({
          code: 'custom',
          path: ['approval', environment],
          message: `environment "${environment}" is not defined in flags.environments`,
        });
      }
    }
  });

export type FlagsSettings = z.output<typeof FlagsSettingsSchema>;

/** Approval roles and `flags.role` must be roles ops.yml defines. */
function flagRefs(raw: ConfigTree): PathProblem[] {
  const flags = raw.flags;
  if (!isTree(flags)) return [];
  const problems: PathProblem[] = [];
  for (const [environment, approval] of entriesIn(flags.approval)) {
    problems.push(...approvalRoleProblems(raw, approval, ['flags', 'approval', environment]));
  }
  if (typeof flags.role === 'string' && !(isTree(raw.roles) && Object.hasOwn(raw.roles, flags.role))) {
    problems.push({ path: ['flags', 'role'], message: `role "${flags.role}" is not defined in roles` });
  }
  return problems;
}

/** Absent: the flag commands say how to set flags up, and the OFREP routes refuse every token. */
export const flagsConfig = defineConfig({ name: 'flags', section: FlagsSettingsSchema.optional(), refs: flagRefs });
