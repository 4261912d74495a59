import { z } from 'zod';
import { duration } from '../config/duration.js';

/** Environment and role names, as ops.yml's other sections spell them. */
const NAME = /^[a-z][a-z0-9_-]*$/;
const environmentName = z.string().regex(NAME, {
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
export const flagsSettingsSchema = <A extends z.ZodType<{ from: string; count: number; expiresIn: number }>>(
  approval: A,
) =>
  z
    .strictObject({
      environments: z
        .record(environmentName, FlagEnvironmentSchema)
        .refine((environments) => Object.keys(environments).length > 0, {
          error: 'must define at least one environment',
        })
        .refine(
          (environments) =>
            new Set(Object.values(environments).map((e) => e.token)).size === Object.keys(environments).length,
          {
            error: 'each environment needs its own token (the token selects the environment)',
          },
        ),
      approval: z.preprocess(
        (value) => (value === null ? undefined : value),
        z.record(environmentName, approval).default({}),
      ),
      staleAfter: duration({ min: 60_000 }).default(30 * 86_400_000),
      role: z.string().regex(NAME, { error: 'must be a role name' }).default('deployer'),
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

export interface FlagsSettings {
  environments: Record<string, { token: string }>;
  approval: Record<string, { from: string; count: number; expiresIn: number }>;
  staleAfter: number;
  role: string;
}
