import { z } from 'zod';

/**
 * Placeholders a `command`/`run` argv may use. They are substituted per argument when the command runs — there is no
 * shell, so a value can never split into extra arguments or inject syntax.
 */
export const ARGV_PLACEHOLDERS = ['service', 'version', 'environment', 'runbook', 'user'] as const;
export type ArgvPlaceholder = (typeof ARGV_PLACEHOLDERS)[number];

/** `{name}` where name looks like an identifier; other braces (e.g. JSON in an argument) are left alone. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * An argv array, executed without a shell: non-empty, its first element a program name or path (no whitespace, no
 * placeholder), placeholders only from {@link ARGV_PLACEHOLDERS}.
 */
export const ArgvSchema = z
  .array(z.string(), { error: 'must be an argv array such as ["./deploy.sh", "{service}"] (no shell)' })
  .min(1, { error: 'must not be empty' })
  .superRefine((argv, ctx) => {
    const program = argv[0];
    if (program !== undefined && !/^[^\s{}]+$/.test(program)) {
      ctx.addIssue({
        code: 'custom',
        path: [0],
        message: 'must be a program name or path without spaces or placeholders (arguments go in separate elements)',
      });
    }
    argv.forEach((arg, index) => {
      for (const [, name] of arg.matchAll(PLACEHOLDER)) {
        if (!(ARGV_PLACEHOLDERS as readonly string[]).includes(name!)) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `unknown placeholder {${name}} (allowed: ${ARGV_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`,
          });
        }
      }
    });
  });

/**
 * Substitutes placeholders in each argument. A placeholder without a value is an error rather than an empty string,
 * so that a runbook never runs with a silently missing argument.
 */
export function renderArgv(argv: readonly string[], values: Partial<Record<ArgvPlaceholder, string>>): string[] {
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER, (match, name: string) => {
      if (!(ARGV_PLACEHOLDERS as readonly string[]).includes(name)) return match;
      const value = values[name as ArgvPlaceholder];
      if (value === undefined) throw new Error(`no value for placeholder {${name}}`);
      return value;
    }),
  );
}
