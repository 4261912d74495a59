import { encodePlain } from '../mrkdwn.js';
import { suggest } from '../suggest.js';
import { GrammarError, shown } from './grammar-error.js';
import type { Token } from './tokenize.js';

/** What every part may say about itself for `/ops help <subcommand>`. */
export interface PartInfo {
  /** What the argument is for: `The environment to deploy to`. */
  description?: string;
  /** A value as the user would type it: `production`. */
  example?: string;
}

/**
 * One piece of a command's arguments, declared with the functions in this folder (`identifier`, `keyword`,
 * `optional`, `rest`, …) and combined by `args(...)`. `V` is the value it yields; `Present` says whether the parse
 * result always holds it (false only for `optional(part)` without a default). `args` infers the result type from them.
 */
export interface Part<N extends string = string, V = unknown, Present extends boolean = boolean> {
  readonly name: N;
  /** `value`: one token; `rest`: everything left on the line; `pairs`: the `key=value` tokens at the end. */
  readonly shape: 'value' | 'rest' | 'pairs';
  /** The literal word before the value: `to` in `to <environment>`. */
  readonly keyword?: string;
  readonly optional: boolean;
  /** The value when an optional part is left out. */
  readonly fallback?: V;
  /** How the part reads in a usage line: `<service>`, `to <environment>`, `[for <duration>]`. */
  readonly usage: string;
  /** What a valid value looks like, for errors and help: `something like \`1.4.2\``. */
  readonly expected: string;
  readonly description?: string;
  readonly example?: string;
  /** Reads the part's tokens (exactly one for `value`) into its value; throws GrammarError naming the argument. */
  read(tokens: readonly Token[]): V;
  /** Type-level only, never set: carries `V` and `Present` for `ArgsOf`. */
  readonly types?: { value: V; present: Present };
}

/**
 * A one-token value. `convert` gets text that passed the checks every value passes (not empty, not starting with `-`,
 * so nothing can ever reach a command line as an option) and returns undefined when the text is not a valid value;
 * it may also throw a GrammarError with a more precise message (a number out of range).
 */
export function value<N extends string, V>(
  name: N,
  spec: PartInfo & { expected: string },
  convert: (text: string, token: Token) => V | undefined,
): Part<N, V, true> {
  return {
    name,
    shape: 'value',
    optional: false,
    usage: `<${name}>`,
    ...spec,
    read([token]) {
      if (!token) throw new GrammarError(`missing <${name}>`);
      checkValue(name, token.text, token.raw);
      const result = convert(token.text, token);
      if (result === undefined) throw invalid(name, token.raw, spec.expected);
      return result;
    },
  };
}

/** `text` is not a valid `name` (expected …). */
export function invalid(name: string, text: string, expected: string): GrammarError {
  return new GrammarError(`${shown(text)} is not a valid ${name} (expected ${expected})`);
}

/** The rules no value escapes: it is not empty, and it never starts with `-` (argv safety for providers and runbooks). */
function checkValue(name: string, text: string, raw: string): void {
  if (text === '') throw new GrammarError(`<${name}> is empty`);
  if (text.startsWith('-'))
    throw new GrammarError(`${shown(raw)} is not a valid ${name}: values may not start with \`-\``);
}

/**
 * The literal word, then the value: `keyword('to', identifier('environment'))` reads `to production` and shows as
 * `to <environment>`. Keywords follow the positional arguments, in any order among themselves; with a rest-of-line
 * part they may also end the line, after the text (`lock api production deploy freeze for 2h`), when their value
 * reads. The word is matched case-insensitively and only unquoted (`"to"` is a value).
 */
export function keyword<N extends string, V>(word: string, part: Part<N, V, true>): Part<N, V, true> {
  if (!/^[a-z]+$/.test(word)) throw new Error(`keyword ${word} must be lowercase letters`);
  if (part.shape !== 'value' || part.keyword || part.optional) {
    throw new Error(`keyword ${word} must take a required one-token value (wrap the keyword in optional instead)`);
  }
  return { ...part, keyword: word, usage: `${word} ${part.usage}` };
}

/**
 * A part that may be left out: `[…]` in the usage. Without a default the result's property is optional. When a
 * rest-of-line part follows and the user's next words do not read as this part, they are left for the rest instead
 * of being an error: `lock api production deploy freeze for launch` keeps `for launch` in the reason, while
 * `lock api production for 2h deploy freeze` (or `… deploy freeze for 2h`) reads the duration. Without a rest, words
 * that do not read are an error naming the part.
 */
export function optional<N extends string, V>(part: Part<N, V, true>): Part<N, V, false>;
export function optional<N extends string, V>(part: Part<N, V, true>, fallback: NoInfer<V>): Part<N, V, true>;
export function optional<N extends string, V>(part: Part<N, V, true>, fallback?: V): Part<N, V, boolean> {
  if (part.shape === 'pairs') throw new Error(`pairs ${part.name} are optional already`);
  return { ...part, optional: true, fallback, usage: `[${part.usage}]` };
}

/**
 * Everything left on the line (quotes kept, words joined by one space): `<reason…>`, in Slack's encoding — `&amp;`,
 * `&lt;`, `&gt;` as Slack sent them, so a typed `&lt;!channel&gt;` stays text. The only markup kept is the user and
 * channel mentions the grammar parsed (`<@U0BOB>`, label dropped), so they still notify when the text is shown with
 * `said()` (platform/mrkdwn.ts); `<!channel>`, `<!here>`, `<!everyone>` and user groups become plain words (`@here`),
 * and a link its address (and label). `plainOf()` reads it as plain text.
 */
export function rest<N extends string>(name: N, info: PartInfo = {}): Part<N, string, true> {
  return {
    name,
    shape: 'rest',
    optional: false,
    usage: `<${name}…>`,
    expected: 'text',
    ...info,
    read(tokens) {
      const [first] = tokens;
      if (!first) throw new GrammarError(`missing <${name}…>`);
      checkValue(name, first.text, first.raw);
      return tokens.map(sourceOf).join(' ');
    },
  };
}

/** A token of rest-of-line text in Slack's encoding: only parsed user and channel mentions stay markup. */
function sourceOf(token: Token): string {
  switch (token.kind) {
    case 'user':
      return `<@${token.id}>`;
    case 'channel':
      return `<#${token.id}>`;
    case 'broadcast':
      return `@${token.id}`;
    case 'usergroup':
      return encodePlain(token.label ?? `@${token.id}`);
    case 'link':
      return encodePlain(token.label && token.label !== token.id ? `${token.label} (${token.id})` : token.id!);
    default:
      return token.source;
  }
}

const PAIR_KEY = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * Zero or more `key=value` tokens at the end: `service=api title="Checkout errors"`. Keys are `[a-z][a-z0-9_]*`;
 * with `keys` only those are accepted (and the result is typed by them). Each key at most once.
 */
export function pairs<N extends string, const K extends string = string>(
  name: N,
  options: PartInfo & { keys?: readonly K[] } = {},
): Part<N, string extends K ? Record<string, string> : Partial<Record<K, string>>, true> {
  const { keys, ...info } = options;
  const expected = keys ? `key=value with the keys ${keys.join(', ')}` : 'key=value';
  return {
    name,
    shape: 'pairs',
    optional: false,
    usage: '[key=value…]',
    expected,
    ...info,
    read(tokens) {
      const result: Record<string, string> = {};
      for (const token of tokens) {
        if (!token.pair || token.quoted)
          throw new GrammarError(`unexpected ${shown(token.raw)} (expected ${expected})`);
        const { key, value } = token.pair;
        if (!PAIR_KEY.test(key)) throw invalid('key', key, 'lowercase letters, digits and `_`, such as `service`');
        if (keys && !keys.includes(key as K)) {
          const near = suggest(key, keys);
          const hint = near ? `did you mean \`${near}\`?` : `expected one of ${keys.join(', ')}`;
          throw new GrammarError(`${shown(key)} is not a key of <${name}> (${hint})`);
        }
        if (Object.hasOwn(result, key)) throw new GrammarError(`${shown(key)} is given twice`);
        checkValue(key, value, value);
        result[key] = value;
      }
      return result as never;
    },
  };
}
