import { formatDuration, parseDuration } from '../../config/duration.js';
import { GrammarError, shown } from './grammar-error.js';
import { invalid, type Part, type PartInfo, value } from './parts.js';

/**
 * The typed one-token values a command can take. Each checks its text against a strict pattern, so what reaches a
 * handler is what the name promises: a `version` is never `$(rm -rf /)`, an `identifier` never holds a space.
 */

const IDENTIFIER = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** A service, environment, flag or runbook name: lowercase letters, digits, `-`, `_`, `.`; at most 63 characters. */
export function identifier<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  const expected = 'lowercase letters, digits, `-`, `_` or `.`, such as `api`';
  return value(name, { expected, ...info }, (text) => {
    if (IDENTIFIER.test(text)) return text;
    if (text.length > 63) throw new GrammarError(`${shown(text)} is too long for a ${name} (at most 63 characters)`);
    if (IDENTIFIER.test(text.toLowerCase())) {
      throw new GrammarError(`${shown(text)} is not a valid ${name} (names are lowercase: \`${text.toLowerCase()}\`)`);
    }
    return undefined;
  });
}

/** One word, any characters unless `pattern` (matched against the whole word) says otherwise. */
export function word<N extends string>(
  name: N,
  options: PartInfo & { pattern?: RegExp; expected?: string } = {},
): Part<N, string, true> {
  const { pattern, expected = pattern ? `a word matching ${pattern.source}` : 'a word', ...info } = options;
  const whole = pattern && new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
  return value(name, { expected, ...info }, (text, token) => {
    if (token.kind !== 'word') return undefined;
    return !whole || whole.test(text) ? text : undefined;
  });
}

const VERSION = /^v?\d+(?:\.\d+)*(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** A release version: `1.4.2`, `v2.0.0-rc.1`, `2024.10.01+build.7`; at most 64 characters. */
export function version<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  return value(name, { expected: 'something like `1.4.2`', example: '1.4.2', ...info }, (text) =>
    text.length <= 64 && VERSION.test(text) ? text : undefined,
  );
}

/** One of a fixed list, matched case-insensitively and returned as declared: `choice('severity', ['sev1', 'sev2'])`. */
export function choice<N extends string, const C extends string>(
  name: N,
  choices: readonly C[],
  info: PartInfo = {},
): Part<N, C, true> {
  const expected = `one of ${choices.join(', ')}`;
  return value(name, { expected, example: choices[0], ...info }, (text) =>
    choices.find((option) => option.toLowerCase() === text.toLowerCase()),
  );
}

/** A whole number, optionally within `min`…`max` (values never start with `-`, so never below 0). */
export function integer<N extends string>(
  name: N,
  options: PartInfo & { min?: number; max?: number } = {},
): Part<N, number, true> {
  const { min = 0, max = Number.MAX_SAFE_INTEGER, ...info } = options;
  const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
  const expected = `a whole number ${range}`;
  return value(name, { expected, example: String(min), ...info }, (text) => {
    if (!/^\d{1,15}$/.test(text)) return undefined;
    const number = Number(text);
    if (number < min || number > max) throw invalid(name, text, expected);
    return number;
  });
}

/** A percentage from `0%` to `100%` (`25%` → 25, `12.5%` → 12.5); the `%` is required. */
export function percent<N extends string>(name: N, info: PartInfo = {}): Part<N, number, true> {
  const expected = 'a percentage from `0%` to `100%`, such as `25%`';
  return value(name, { expected, example: '25%', ...info }, (text) => {
    const match = /^(\d{1,3}(?:\.\d{1,3})?)%$/.exec(text);
    const number = match ? Number(match[1]) : Number.NaN;
    return number <= 100 ? number : undefined;
  });
}

const DAY_MS = 86_400_000;

/**
 * A duration in milliseconds, read by `parseDuration`: `2h`, `90m`, `1h30m`, `1.5d`. A unit is required (a bare
 * `7200` is ambiguous in a chat command); by default it lies between 1 second and 365 days.
 */
export function duration<N extends string>(
  name: N,
  options: PartInfo & { min?: number; max?: number } = {},
): Part<N, number, true> {
  const { min = 1000, max = 365 * DAY_MS, ...info } = options;
  const expected = 'a duration such as `2h`, `90m` or `1h30m`';
  return value(name, { expected, example: '2h', ...info }, (text) => {
    const ms = /^\d+$/.test(text) ? undefined : parseDuration(text);
    if (ms === undefined) return undefined;
    if (ms < min || ms > max) {
      throw invalid(name, text, `a duration from ${formatDuration(min)} to ${formatDuration(max)}`);
    }
    return ms;
  });
}

/** A person, as the mention Slack sends for `@bob` (`<@U0BOB|bob>`); yields the user id `U0BOB`. */
export function user<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  const expected = 'a mention such as @bob, picked from Slack’s autocomplete';
  return value(name, { expected, example: '@bob', ...info }, (_, token) =>
    token.kind === 'user' ? token.id : undefined,
  );
}

/** A channel, as the mention Slack sends for `#api` (`<#C0API|api>`); yields the channel id `C0API`. */
export function channel<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  const expected = 'a channel such as #general, picked from Slack’s autocomplete';
  return value(name, { expected, example: '#general', ...info }, (_, token) =>
    token.kind === 'channel' ? token.id : undefined,
  );
}

/** One token of free text; quote it to include spaces: `"Checkout errors"`. */
export function text<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  return value(name, { expected: 'text (in quotes when it has spaces)', ...info }, (content) => content);
}
