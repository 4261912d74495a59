/**
 * Configuration problems, collected rather than thrown one at a time so that an operator fixes every mistake in one
 * pass. Each problem names the variable or the ops.yml path and what is wrong with it — never the value, because the
 * value may be a secret (a token, or a `${VAR}` interpolated into ops.yml).
 *
 * The code is a plain string rather than a member of `ErrorCode` in `src/errors.ts` so that `config/` depends on
 * nothing else in Opsdeck; `isCodedError()` recognises it all the same.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';

  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

/**
 * Formats a path the way problems print it: `services.api.checks.http.url`, with array indices in brackets
 * (`runbooks.restart-api.steps[1].check`). An empty path is the document itself.
 */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}
