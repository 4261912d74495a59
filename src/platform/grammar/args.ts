import { GrammarError, shown } from './grammar-error.js';
import type { Part } from './parts.js';
import { literal, type Token } from './tokenize.js';

/** One argument as `/ops help <subcommand>` lists it. */
export interface ArgHelp {
  name: string;
  /** As in the usage line: `<service>`, `[to <version>]`. */
  usage: string;
  /** The declared description with what a valid value looks like, or just the latter. */
  description: string;
  example?: string;
}

/** A subcommand's arguments: how to read them and how to explain them, from one declaration. */
export interface Grammar<T> {
  /** Reads the tokens after the subcommand words; throws GrammarError. */
  parse(tokens: readonly Token[]): T;
  /** The argument part of the usage line: `<service> <version> to <environment>` (empty for no arguments). */
  readonly usage: string;
  readonly args: ReadonlyArray<ArgHelp>;
  /** Example arguments (`api 1.4.2 to production`), when every part that must be typed declares an example. */
  readonly example?: string;
}

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ValueOf<X> = X extends Part<string, infer V> ? V : never;

/** The parse result of `args(...parts)`: each part's name with its value, optional where the part may be left out. */
export type ArgsOf<P extends readonly Part[]> = Simplify<
  { [X in P[number] as X extends Part<infer N, unknown, true> ? N : never]: ValueOf<X> } & {
    [X in P[number] as X extends Part<infer N, unknown, false> ? N : never]?: ValueOf<X>;
  }
>;

/**
 * Declares a subcommand's arguments; the result type is inferred from the parts. Parts are declared in reading
 * order: positional values (required before optional), then keywords (`to <environment>`, read in any order), then at
 * most one `rest` or `pairs`. A declaration that breaks this throws at start-up, not at a user.
 *
 * @example
 * const deploy = args(identifier('service'), version('version'), keyword('to', identifier('environment')));
 * deploy.usage; // '<service> <version> to <environment>'
 * deploy.parse(tokenize('api 1.4.2 to production')); // { service: 'api', version: '1.4.2', environment: 'production' }
 */
export function args<const P extends readonly Part[]>(...parts: P): Grammar<ArgsOf<P>> {
  const layout = layoutOf(parts);
  const example = exampleOf(parts);
  return {
    usage: parts.map((part) => part.usage).join(' '),
    args: parts.map(help),
    ...(example !== undefined && { example }),
    parse: (tokens) => parseWith(layout, tokens) as ArgsOf<P>,
  };
}

interface Layout {
  positionals: readonly Part[];
  keywords: readonly Part[];
  tail: Part | undefined;
}

function layoutOf(parts: readonly Part[]): Layout {
  const stageOf = (part: Part) => (part.shape !== 'value' ? 2 : part.keyword ? 1 : 0);
  parts.forEach((part, index) => {
    const before = parts.slice(0, index);
    if (before.some((other) => other.name === part.name)) throw new Error(`argument ${part.name} is declared twice`);
    if (before.some((other) => other.keyword !== undefined && other.keyword === part.keyword)) {
      throw new Error(`keyword ${part.keyword} is declared twice`);
    }
    if (before.some((other) => stageOf(other) > stageOf(part) || stageOf(other) === 2)) {
      throw new Error(`${part.usage}: declare positional values, then keywords, then one rest or pairs part`);
    }
    if (stageOf(part) === 0 && !part.optional && before.some((other) => other.optional)) {
      throw new Error(`${part.usage}: a required value cannot follow an optional one`);
    }
  });
  return {
    positionals: parts.filter((part) => stageOf(part) === 0),
    keywords: parts.filter((part) => stageOf(part) === 1),
    tail: parts.find((part) => stageOf(part) === 2),
  };
}

function parseWith({ positionals, keywords, tail }: Layout, tokens: readonly Token[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const toRest = tail?.shape === 'rest';
  const keywordOf = (token: Token | undefined) => {
    const word = literal(token);
    return word === undefined ? undefined : keywords.find((part) => part.keyword === word);
  };
  /** Reads one value; false when it does not read and `lenient` (the words are then left to the rest). */
  const take = (part: Part, token: Token | undefined, lenient: boolean): boolean => {
    if (!token || keywordOf(token)) return false;
    try {
      result[part.name] = part.read([token]);
      return true;
    } catch (error) {
      if (lenient && error instanceof GrammarError) return false;
      throw error;
    }
  };

  // Positional values. An optional one that does not read hands this word and all after it to the rest.
  let at = 0;
  let yielded = false;
  for (const part of positionals) {
    const token: Token | undefined = yielded ? undefined : tokens[at];
    const candidate: boolean = token !== undefined && !(token.pair && tail?.shape === 'pairs');
    if (candidate && take(part, token, part.optional && toRest)) at++;
    else {
      yielded ||= candidate && !keywordOf(token);
      leaveOut(result, part, tokens[at]);
    }
  }

  // Keywords, in any order, right after the positional values.
  const bound = new Set<Part>();
  while (!yielded && at < tokens.length) {
    const part = keywordOf(tokens[at]);
    if (!part || bound.has(part)) break;
    if (take(part, tokens[at + 1], part.optional && toRest)) {
      bound.add(part);
      at += 2;
    } else if (part.optional && toRest) yielded = true;
    else throw new GrammarError(`missing <${part.name}> after ${shown(tokens[at]!.raw)}`);
  }

  // With a rest-of-line part, keywords may also end the line (`lock api prod deploy freeze for 2h`) when their value
  // reads; a required rest keeps at least one word.
  let end = tokens.length;
  while (toRest && end - at >= (tail.optional ? 2 : 3)) {
    const part = keywordOf(tokens[end - 2]);
    if (!part || bound.has(part) || !take(part, tokens[end - 1], true)) break;
    bound.add(part);
    end -= 2;
  }

  for (const part of keywords) {
    if (bound.has(part)) continue;
    // `deploy api 1.4.2 staging to production`: the keyword is there, the word before it is the mistake.
    if (!part.optional && tokens.slice(at, end).some((token) => keywordOf(token) === part)) {
      throw unexpected(tokens[at]!);
    }
    leaveOut(result, part, tokens[at]);
  }

  const left = tokens.slice(at, end);
  if (!tail) {
    if (left[0]) throw unexpected(left[0]);
  } else if (left.length > 0 || !tail.optional) {
    result[tail.name] = tail.read(left);
  } else {
    leaveOut(result, tail, undefined);
  }
  return result;
}

/** A part the words did not give: its fallback when optional, else an error naming what is missing. */
function leaveOut(result: Record<string, unknown>, part: Part, next: Token | undefined): void {
  if (part.optional) {
    if (part.fallback !== undefined) result[part.name] = part.fallback;
    return;
  }
  const needed = part.keyword ? `${part.keyword} <${part.name}>` : `<${part.name}>`;
  throw new GrammarError(next ? `missing ${needed} before ${shown(next.raw)}` : `missing ${needed}`);
}

function unexpected(token: Token): GrammarError {
  return new GrammarError(`unexpected ${shown(token.raw)}`);
}

function help(part: Part): ArgHelp {
  const expected = part.expected.charAt(0).toUpperCase() + part.expected.slice(1);
  const description = part.description ? `${part.description} (${part.expected})` : expected;
  return {
    name: part.name,
    usage: part.usage,
    description,
    ...(part.example !== undefined && { example: part.example }),
  };
}

function exampleOf(parts: readonly Part[]): string | undefined {
  const words: string[] = [];
  for (const part of parts) {
    if (part.example !== undefined) words.push(part.keyword ? `${part.keyword} ${part.example}` : part.example);
    else if (!part.optional && part.shape !== 'pairs') return undefined;
  }
  return words.join(' ');
}
