/**
 * Parameters, checked before anything runs (pure). A value reaches a command as one whole argv element, never through
 * a shell; these rules also keep it from being read as an option or carrying hidden lines, whatever the pattern says.
 */
import { anchored } from '../config/regex-source.js';
import { DEFAULT_PARAM_PATTERN, MAX_PARAM_LENGTH, type Parameter, type Runbook } from './config.js';

export interface ParamProblem {
  name: string;
  message: string;
}

export type ParamCheck =
  | { ok: true; params: Record<string, string> }
  | { ok: false; problems: ParamProblem[]; missing: Parameter[]; given: Record<string, string> };

/** Why `value` is not acceptable for `param`, or undefined when it is. Never echoes the value itself. */
export function valueProblem(param: Parameter, value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_PARAM_LENGTH) return `is too long (at most ${MAX_PARAM_LENGTH} characters)`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value)) return 'contains a line break or control character';
  if (value.startsWith('-')) return 'may not start with "-" (a command could take it for an option)';
  if (param.choices) {
    return param.choices.includes(value) ? undefined : `must be one of ${param.choices.join(', ')}`;
  }
  const pattern = param.pattern ?? DEFAULT_PARAM_PATTERN;
  if (!new RegExp(anchored(pattern)).test(value)) {
    return param.pattern
      ? `must match ${param.pattern}`
      : 'must be one word of letters, digits and . _ : @ / + - (no spaces, quotes or shell characters)';
  }
  return undefined;
}

/**
 * Checks the given `name=value` pairs against the runbook's parameters: unknown names and bad values are problems;
 * parameters neither given nor defaulted are `missing` (the modal asks for them).
 */
export function checkParams(runbook: Runbook, given: Record<string, string>): ParamCheck {
  const problems: ParamProblem[] = [];
  const known = new Map(runbook.parameters.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      const names = runbook.parameters.map((p) => p.name);
      problems.push({
        name,
        message:
          names.length > 0 ? `is not a parameter (it takes ${names.join(', ')})` : 'is not a parameter (it takes none)',
      });
    }
  }
  const params: Record<string, string> = {};
  const missing: Parameter[] = [];
  for (const param of runbook.parameters) {
    const value = Object.hasOwn(given, param.name) ? given[param.name] : param.default;
    if (value === undefined) {
      missing.push(param);
      continue;
    }
    const problem = valueProblem(param, value);
    if (problem) problems.push({ name: param.name, message: problem });
    else params[param.name] = value;
  }
  if (problems.length > 0 || missing.length > 0) return { ok: false, problems, missing, given };
  return { ok: true, params };
}
