/**
 * The one way to write Slack mrkdwn. `md` is a tagged template whose interpolations are escaped unless they are
 * markup Opsdeck vouches for — a value built by `md` itself or by the constructors below (a mention of a user id
 * Opsdeck resolved or parsed, a link Opsdeck built, a date, a configured group ping). Text from people and webhooks
 * can therefore never become a mention, a broadcast (`<!channel>`, `@here`) or a disguised link, in blocks or in the
 * `text` fallback that notifications show, whichever call site forgets to think about it.
 *
 * ```ts
 * md`:rotating_light: *${title}* — commander ${mention(commander)}` // title escaped, the mention kept
 * ```
 */

const TRUSTED = Symbol('mrkdwn');

/** Slack mrkdwn Opsdeck wrote or escaped; only this module makes one. */
export interface Mrkdwn {
  readonly [TRUSTED]: true;
  /** The markup, ready for a text object or a message's `text`. */
  readonly text: string;
}

/** What `md` interpolates: markup as is, anything else as escaped text. */
export type Interpolation = Mrkdwn | string | number;

function trusted(text: string): Mrkdwn {
  return { [TRUSTED]: true, text };
}

export function isMrkdwn(value: unknown): value is Mrkdwn {
  return typeof value === 'object' && value !== null && (value as Partial<Mrkdwn>)[TRUSTED] === true;
}

/**
 * `@channel`, `@here` and `@everyone` typed as words notify the channel wherever Slack links names (`link_names`, some
 * clients' notifications); a word joiner after the `@` keeps the word as it reads and stops the ping.
 */
const BROADCAST_WORD = /@(?=(?:channel|here|everyone)\b)/giu;
const WORD_JOINER = '\u2060';

/** Escapes `&`, `<` and `>` (Slack's control characters) and disarms broadcast words. */
export function escapeText(text: string): string {
  return disarm(text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
}

/** `@here` → `@⁠here`: reads the same, pings nobody. */
function disarm(text: string): string {
  return text.replace(BROADCAST_WORD, `@${WORD_JOINER}`);
}

function piece(value: Interpolation): string {
  return isMrkdwn(value) ? value.text : escapeText(String(value));
}

/** The template: the literal parts are Opsdeck's own markup; every interpolation is escaped unless it is `Mrkdwn`. */
export function md(strings: TemplateStringsArray, ...values: Interpolation[]): Mrkdwn {
  // Mentions, links and dates come from the constructors below, never from a literal: a `<` or `&` written in a
  // template would be markup nobody checked (`<state>` is a link to "state").
  if (strings.some((literal) => /[<&]/.test(literal))) {
    throw new Error(`md: a literal may not contain < or & (interpolate the text): ${strings.join('…')}`);
  }
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += piece(value) + (strings[i + 1] ?? '');
  });
  return trusted(text);
}

/** Text as text: escaped (`md` does this to every string it interpolates; this is for a whole value). */
export function plain(text: string): Mrkdwn {
  return trusted(escapeText(text));
}

/**
 * Text shown exactly as typed, formatting characters too: `*`, `_`, `~` and backticks get zero-width spaces around
 * them so Slack does not bold, italicise, strike or code what a person wrote (a flag's description, a halt reason).
 */
export function verbatim(text: string): Mrkdwn {
  return plain(text.replace(/[*_~`]/g, (c) => `\u200b${c}\u200b`));
}

/** Pieces joined by a separator, each escaped unless it is markup already. */
export function join(values: readonly Interpolation[], separator: Interpolation = ''): Mrkdwn {
  return trusted(values.map(piece).join(piece(separator)));
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const GROUP_ID = /^S[A-Z0-9]{2,}$/;

/** A mention of a Slack user id (from Slack's signed payload, a parsed command or ops.yml); anything else is text. */
export function mention(userId: string): Mrkdwn {
  return USER_ID.test(userId) ? trusted(`<@${userId}>`) : plain(userId);
}

/** A link to a channel by id. */
export function channelMention(channelId: string): Mrkdwn {
  return CHANNEL_ID.test(channelId) ? trusted(`<#${channelId}>`) : plain(channelId);
}

/**
 * A ping from ops.yml (`mention:` of an alert route, an escalation level): a user id or a user-group id. The only
 * source of group pings in any message.
 */
export function configuredPing(id: string): Mrkdwn {
  return GROUP_ID.test(id) ? trusted(`<!subteam^${id}>`) : mention(id);
}

/**
 * A link Opsdeck built: only http(s) addresses become links (anything else shows as its label alone); the address
 * cannot close the markup, and the label is escaped unless it is markup (an emoji and a word are).
 */
export function link(url: string, label: Interpolation): Mrkdwn {
  if (!/^https?:\/\/[^\s]+$/i.test(url)) return trusted(piece(label));
  const safe = url.replace(/[<>|]/g, encodeURIComponent);
  const shown = piece(label).replace(/\|/g, '¦');
  return trusted(`<${safe}|${shown}>`);
}

/** A time in the reader's own time zone (`<!date^…>`), with UTC as the fallback clients without it show. */
export function date(ms: number, format = '{date_short_pretty} {time}'): Mrkdwn {
  const fallback = `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return trusted(`<!date^${Math.floor(ms / 1000)}^${format}|${fallback}>`);
}

/**
 * Markup cut to `limit` characters with `…`. Cutting only shortens text that was escaped already, so it can never make
 * markup; at worst a mention or date cut in half shows as text.
 */
export function clip(markdown: Mrkdwn, limit: number): Mrkdwn {
  const { text } = markdown;
  return text.length <= limit ? markdown : trusted(`${text.slice(0, limit - 1)}…`);
}

/** Inline code: backticks cannot close it, and it is never empty. */
export function code(text: string): Mrkdwn {
  return trusted(`\`${escapeText(text.replaceAll('`', "'")) || ' '}\``);
}

/**
 * Free text a person wrote, as one entry: its first line where it stands (then `after`, such as who wrote it), each
 * further line quoted (`>`), so a line break never starts a bullet, a heading or a line that passes for another entry.
 */
export function quoted(text: Interpolation, after: Interpolation = ''): Mrkdwn {
  const lines = piece(text)
    .split(/\r\n|[\n\r\u2028\u2029]/)
    .map((line) => line.trimEnd());
  while (lines.length > 1 && lines.at(-1) === '') lines.pop();
  const [first = '', ...more] = lines;
  return trusted([first + piece(after), ...more.map((line) => `>${line ? ` ${line}` : ''}`)].join('\n'));
}

const PERSON_MARKUP = /<([@#])([A-Z0-9]+)(?:\|[^<>]*)?>/g;

/**
 * Text a person typed in a command, in Slack's encoding (`&lt;` for a typed `<`; the grammar's `rest()` returns it
 * so): the user and channel mentions the grammar parsed stay mentions; any other `<`, `>` or `&` is escaped, so
 * nothing else in it is markup.
 */
export function said(slackText: string): Mrkdwn {
  let out = '';
  let at = 0;
  for (const match of slackText.matchAll(PERSON_MARKUP)) {
    const [whole, sigil, id] = match as unknown as [string, string, string];
    const markup = sigil === '@' ? mention(id) : channelMention(id);
    out += reescape(slackText.slice(at, match.index)) + markup.text;
    at = match.index + whole.length;
  }
  return trusted(out + reescape(slackText.slice(at)));
}

/** Slack-encoded text escaped again where it is not: entities stay, any bare `&`, `<`, `>` is escaped. */
function reescape(text: string): string {
  return escapeText(decodeEntities(text));
}

const ENTITY: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>' };

export function decodeEntities(text: string): string {
  return text.replace(/&(?:amp|lt|gt);/g, (entity) => ENTITY[entity]!);
}

/**
 * Text in Slack's encoding as plain text (a topic, a Markdown file, a plain_text line): a mention shows as `@name`
 * (`nameOf`, else the id; a group as `@handle` the same way), a channel as `#name` or its id, a date as its fallback, a link as its label (else its
 * address); entities are decoded.
 */
export function plainOf(slackText: string, nameOf: (id: string) => string | undefined = () => undefined): string {
  return decodeEntities(unmarked(slackText, nameOf));
}

/**
 * Plain text for the places Slack shows as typed (a channel topic, a header): what markup-looking pieces in it mean
 * (`<!channel>` → `@channel`, `<url|label>` → `label`), broadcast words disarmed, so nothing there reads as a ping or
 * a disguised link even when copied into a message.
 */
export function shownPlain(text: string): string {
  return disarm(unmarked(text));
}

function unmarked(slackText: string, nameOf: (id: string) => string | undefined = () => undefined): string {
  return slackText.replace(/<([^<>\n]*)>/g, (_, inner: string) => {
    const [target = '', label] = inner.split('|', 2) as [string, string | undefined];
    if (target.startsWith('@')) return `@${nameOf(target.slice(1)) ?? label ?? target.slice(1)}`;
    if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
    if (target.startsWith('!date^')) return label ?? '';
    if (target.startsWith('!subteam^')) {
      const handle = nameOf(target.slice(9));
      return handle ? `@${handle}` : (label ?? `@${target.slice(9)}`);
    }
    if (target.startsWith('!')) return `@${target.slice(1)}`;
    return label ?? target;
  });
}

/** Plain text in Slack's encoding (modal text, to sit beside command text): nothing in it is markup. */
export function encodePlain(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
