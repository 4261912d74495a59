import { GrammarError, shown } from './grammar-error.js';

/**
 * What a token is. Mentions and links are Slack's own markup (`<@U0BOB|bob>`): Slack writes them, and escapes a `<`
 * the user types as `&lt;`, so a typed `<@U0BOB>` is a plain word and can never pass for a mention.
 */
export type TokenKind = 'word' | 'user' | 'channel' | 'usergroup' | 'broadcast' | 'link';

export interface Token {
  /**
   * The value: a word as typed, a quoted token without its quotes, a mention or link as Slack's markup. Slack's
   * `&amp;` `&lt;` `&gt;` are decoded, so `R&D` reads as typed.
   */
  text: string;
  /** Written in quotes. A quoted token is always a value: never a keyword, a subcommand word or a `key=value` pair. */
  quoted: boolean;
  kind: TokenKind;
  /** The Slack id of a mention (`U0BOB`, `C0API`, `S0X`, `here`) or the address of a link. */
  id?: string;
  /** The name shown in a mention or link (`bob` in `<@U0BOB|bob>`), when Slack sent one. */
  label?: string;
  /** Set when an unquoted token reads `key=value` (the value possibly quoted: `title="Checkout errors"`). */
  pair?: { key: string; value: string };
  /** The token as typed, quotes included, decoded (`R&D`): what error messages quote. */
  raw: string;
  /**
   * The token exactly as Slack sent it (`R&amp;D`, `&lt;@U0BOB&gt;` for a typed `<@U0BOB>`): rest-of-line text is made
   * of these, so a typed `&lt;…&gt;` stays text and never turns back into markup.
   */
  source: string;
}

/**
 * The token as a literal word, lowercased: what subcommand words and keywords are matched against. Undefined for a
 * quoted token, a mention or a link, which are always values (`"to"` is a value, not the keyword `to`).
 */
export function literal(token: Token | undefined): string | undefined {
  return token?.kind === 'word' && !token.quoted ? token.text.toLowerCase() : undefined;
}

/** Slack caps command text at about 4,000 characters; anything longer is not a command anyone typed. */
export const MAX_TEXT = 4000;

/**
 * Splits command text into tokens. Throws GrammarError for text no command accepts:
 * - longer than 4,000 characters;
 * - a line break anywhere: a command is one line (text that needs paragraphs belongs in a modal);
 * - control characters (NUL, ESC, …; a tab counts as a space), text-direction marks (U+202A–U+202E, U+2066–U+2069,
 *   U+200E, U+200F, U+061C) and invisible characters (zero-width spaces and joiners, U+FEFF, …): they make a command
 *   read differently from what it does;
 * - a quote that is opened and never closed.
 *
 * Words split on white space. `"…"`, `'…'`, `“…”` and `‘…’` group words (Slack clients turn straight quotes into
 * curly ones, so either closing quote of the same kind closes); a quote opens at the start of a token or right after
 * the `=` of `key=value`, and closes only before white space or the end, so apostrophes (`don't`, `it's`) are just
 * letters. `$(…)`, backticks and `--` are ordinary characters: they simply fail the typed patterns.
 */
export function tokenize(text: string): Token[] {
  if (text.length > MAX_TEXT) {
    throw new GrammarError(`the command is too long (over ${MAX_TEXT.toLocaleString('en-US')} characters)`);
  }
  rejectHiddenCharacters(text);
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    if (isSpace(text[at]!)) {
      at++;
      continue;
    }
    const token = readMarkup(text, at) ?? readWord(text, at);
    tokens.push(token.token);
    at = token.end;
  }
  return tokens;
}

const LINE_BREAK = /[\n\r\v\f\u0085\u2028\u2029]/u;
const DIRECTION_MARK = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/u;
/** Control (Cc), format (Cf: zero-width and direction marks) and lone surrogate (Cs) characters; tab is a space. */
const HIDDEN = /[^\P{Cc}\t]|[\p{Cf}\p{Cs}\u2028\u2029]/u;

function rejectHiddenCharacters(text: string): void {
  const found = HIDDEN.exec(text);
  if (!found) return;
  const char = found[0];
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (LINE_BREAK.test(char)) throw new GrammarError('a command is one line: remove the line break');
  if (DIRECTION_MARK.test(char)) {
    throw new GrammarError(`the command contains a text-direction mark (${code}), which can disguise what it says`);
  }
  throw new GrammarError(`the command contains an invisible or control character (${code}); retype it without`);
}

function isSpace(char: string): boolean {
  return char === ' ' || char === '\t' || /\p{Zs}/u.test(char);
}

function endsToken(text: string, at: number): boolean {
  return at >= text.length || isSpace(text[at]!);
}

const DOUBLE_QUOTES = '"“”';
const SINGLE_QUOTES = "'‘’";

/** The quotes that close a quote opened with `char`: any of its kind. Undefined when `char` is not a quote. */
function closersOf(char: string | undefined): string | undefined {
  if (char === undefined || char.length !== 1) return undefined;
  return DOUBLE_QUOTES.includes(char) ? DOUBLE_QUOTES : SINGLE_QUOTES.includes(char) ? SINGLE_QUOTES : undefined;
}

/** Reads a quoted stretch opening at `open`; returns its content and the index after the closing quote. */
function readQuoted(text: string, open: number): { content: string; end: number } {
  const closers = closersOf(text[open])!;
  for (let at = open + 1; at < text.length; at++) {
    if (closers.includes(text[at]!) && endsToken(text, at + 1))
      return { content: text.slice(open + 1, at), end: at + 1 };
  }
  throw new GrammarError(`a quote is never closed: ${shown(text.slice(open))}`);
}

const PAIR_KEY = /^[^\s=]+$/;

function readWord(text: string, start: number): { token: Token; end: number } {
  if (closersOf(text[start])) {
    const { content, end } = readQuoted(text, start);
    const source = text.slice(start, end);
    return { token: { text: decode(content), quoted: true, kind: 'word', raw: decode(source), source }, end };
  }
  let at = start;
  while (!endsToken(text, at)) {
    if (text[at] === '=' && closersOf(text[at + 1]) && PAIR_KEY.test(text.slice(start, at))) {
      const { content, end } = readQuoted(text, at + 1);
      const key = decode(text.slice(start, at));
      const value = decode(content);
      const source = text.slice(start, end);
      const raw = decode(source);
      return {
        token: { text: `${key}=${value}`, quoted: false, kind: 'word', pair: { key, value }, raw, source },
        end,
      };
    }
    at++;
  }
  const source = text.slice(start, at);
  const word = decode(source);
  const token: Token = { text: word, quoted: false, kind: 'word', raw: word, source };
  const eq = word.indexOf('=');
  if (eq > 0) token.pair = { key: word.slice(0, eq), value: word.slice(eq + 1) };
  return { token, end: at };
}

const MARKUP: ReadonlyArray<{ kind: TokenKind; pattern: RegExp }> = [
  { kind: 'user', pattern: /^@([UW][A-Z0-9]+)(?:\|([^|]*))?$/ },
  { kind: 'channel', pattern: /^#([CG][A-Z0-9]+)(?:\|([^|]*))?$/ },
  { kind: 'usergroup', pattern: /^!subteam\^(S[A-Z0-9]+)(?:\|([^|]*))?$/ },
  { kind: 'broadcast', pattern: /^!(here|channel|everyone)(?:\|([^|]*))?$/ },
  { kind: 'link', pattern: /^((?:https?:\/\/|mailto:)[^|\s]+)(?:\|([^|]*))?$/ },
];

/** Slack's `<…>` markup for mentions and links, when the text at `start` is one; a label may contain spaces. */
function readMarkup(text: string, start: number): { token: Token; end: number } | undefined {
  if (text[start] !== '<') return undefined;
  const close = text.indexOf('>', start);
  if (close < 0 || !endsToken(text, close + 1)) return undefined;
  const inner = text.slice(start + 1, close);
  for (const { kind, pattern } of MARKUP) {
    const match = pattern.exec(inner);
    if (!match) continue;
    const raw = text.slice(start, close + 1);
    const token: Token = { text: raw, quoted: false, kind, id: match[1]!, raw, source: raw };
    if (match[2] !== undefined) token.label = decode(match[2]);
    return { token, end: close + 1 };
  }
  return undefined;
}

const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

/**
 * Slack escapes `&`, `<` and `>` in command text; values are read as the user typed them. A decoded value is text: a
 * typed `<@U0ADMIN>` or `<!channel>` is a plain word (its kind stays `word`), and messages escape it when they show it.
 */
function decode(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITY[entity]!);
}
