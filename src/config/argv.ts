import { z } from 'zod';

/**
 * Placeholders a `command`/`run` argv may use. They are substituted per argument when the command runs — there is no
 * shell, so a value can never split into extra arguments or inject syntax.
 */
export const ARGV_PLACEHOLDERS = ['service', 'version', 'environment', 'runbook', 'user'] as const;
export type ArgvPlaceholder = (typeof ARGV_PLACEHOLDERS)[number];

/** `{name}` where name looks like an identifier; other braces (e.g. JSON in an argument) are left alone. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** An ops.yml `${VAR}` reference as written (not `$${`, which is a literal). */
const ENV_REFERENCE = /(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/;

/**
 * Marks the issue ArgvSchema raises for a `${VAR}` inside argv. The catalog parser looks for it in the document as
 * written (before `${VAR}` is substituted, when the reference is still visible) and ignores it afterwards (where a
 * literal `$${` has become `${`).
 */
export const ARGV_ENV_REFERENCE = 'argvEnvReference';

/**
 * An argv array, executed without a shell: non-empty, its first element a program name or path (no whitespace, no
 * placeholder), placeholders only from {@link ARGV_PLACEHOLDERS}.
 */
export const ArgvSchema = argvSchema(ARGV_PLACEHOLDERS);

/**
 * The argv schema with its own placeholder allow-list; `'*'` leaves placeholders to the caller (runbooks check theirs
 * against the runbook's parameters).
 */
export function argvSchema(placeholders: readonly string[]) {
  return z
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
        const reference = ENV_REFERENCE.exec(arg)?.[1];
        if (reference !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            params: { [ARGV_ENV_REFERENCE]: true },
            message: `\${${reference}} in argv would show in \`ps\`: pass it through \`env:\` (env: { ${reference}: "\${${reference}}" }) and let the command read it from its environment`,
          });
        }
        for (const [, name] of arg.matchAll(PLACEHOLDER)) {
          if (!placeholders.includes('*') && !placeholders.includes(name!)) {
            ctx.addIssue({
              code: 'custom',
              path: [index],
              message: `unknown placeholder {${name}} (allowed: ${placeholders.map((p) => `{${p}}`).join(', ')})`,
            });
          }
        }
      });
    });
}

/**
 * Environment variables a command runs with, on top of a minimal base the runner chooses: the way secrets reach a
 * command (`env: { DEPLOY_TOKEN: "${DEPLOY_TOKEN}" }`), since argv is visible to every user of the host in `ps`.
 */
export const CommandEnvSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be an environment variable name (letters, digits, _)' }),
  z.string({ error: 'must be a string (quote numbers)' }),
);

/** A value substituted into argv was refused; the message names the placeholder, never the value. */
export class UnsafeArgvValue extends Error {
  constructor(readonly placeholder: ArgvPlaceholder) {
    super(`{${placeholder}} must not start with "-": the command could take it for an option`);
    this.name = 'UnsafeArgvValue';
  }
}

/**
 * Substitutes placeholders in each argument. A placeholder without a value is an error rather than an empty string,
 * so that a runbook never runs with a silently missing argument; a value starting with `-` is refused
 * ({@link UnsafeArgvValue}), whatever pattern let it through (`--upload-pack=…` is an option to git, not a version).
 */
export function renderArgv(argv: readonly string[], values: Partial<Record<ArgvPlaceholder, string>>): string[] {
  return argv.map((arg) =>
    arg.replace(PLACEHOLDER, (match, name: string) => {
      if (!(ARGV_PLACEHOLDERS as readonly string[]).includes(name)) return match;
      const value = values[name as ArgvPlaceholder];
      if (value === undefined) throw new Error(`no value for placeholder {${name}}`);
      if (value.startsWith('-')) throw new UnsafeArgvValue(name as ArgvPlaceholder);
      return value;
    }),
  );
}
