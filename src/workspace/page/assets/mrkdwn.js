// @ts-check
/**
 * Slack text to HTML: escaping, `mrkdwn` and `plain_text`. Pure functions (no DOM), importable from Node for tests.
 * Every character of input text ends up escaped; markup only ever comes from this module.
 */

import { formatSlackDate, parseDateToken } from './slack-date.js';

/**
 * Names for ids, and for `<!date^…>` tokens the viewer's time zone and clock (the browser's when absent).
 * @typedef {{ users: Record<string, string>, channels: Record<string, string>, groups?: Record<string, string>, bots?: Record<string, boolean> } & import('./slack-date.js').DateOptions} RenderContext
 */

/** @param {unknown} value */
export function escapeHtml(value) {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Slack escapes only these three in message text; undo them before escaping for HTML. @param {string} text */
function unslack(text) {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/**
 * Shortcode → emoji, Slack's names (the workspace serves them from emojibase-data at /page/emoji.json, app.js loads
 * them before the first render). Until then, and for names Slack does not know, `:name:` stays as text.
 * @type {Record<string, string>}
 */
let EMOJI = {};

/** @param {Record<string, string>} names */
export function setEmoji(names) {
  EMOJI = Object.assign(Object.create(null), names);
}

/**
 * Known shortcodes become the emoji, tagged with the shortcode: where the browser has no emoji font the page shows
 * the shortcode instead (app.js detects it), so nothing ever renders as an empty box.
 * @param {string} html already-escaped text
 */
function emoji(html) {
  return html.replace(/:([a-z0-9_+-]+):/g, (whole, name) =>
    EMOJI[name] ? `<span class="emoji" data-code="${whole}">${EMOJI[name]}</span>` : whole,
  );
}

/** Only http(s) and mailto links become hrefs: a `javascript:` URL in a message must not be clickable. */
/** @param {string} url */
export function safeUrl(url) {
  return /^(https?:|mailto:)/i.test(url.trim()) ? url.trim() : null;
}

/** @param {string} url @param {string} labelHtml */
function link(url, labelHtml) {
  const href = safeUrl(url);
  if (!href) return labelHtml;
  return `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${labelHtml}</a>`;
}

/** `<…>` tokens: mentions, channels, special mentions, dates and links. @param {string} inner @param {RenderContext} ctx */
function angle(inner, ctx) {
  const [target = '', label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(label ?? ctx.users[id] ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention">#${escapeHtml(label ?? ctx.channels[id] ?? id)}</span>`;
  }
  if (target.startsWith('!subteam^')) {
    // Slack shows a group by its handle, whatever label the token carries.
    const id = target.slice(9);
    return `<span class="mention">@${escapeHtml(ctx.groups?.[id] ?? label?.replace(/^@/, '') ?? id)}</span>`;
  }
  if (target.startsWith('!date^')) return dateToken(target, label, ctx);
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label ?? target.slice(1))}</span>`;
  return link(unslack(target), escapeHtml(unslack(label ?? target)));
}

/**
 * A date in the viewer's time zone, linked when the token has a link; the fallback when it cannot be formatted.
 * @param {string} target @param {string | undefined} fallback @param {RenderContext} ctx
 */
function dateToken(target, fallback, ctx) {
  const { seconds, format, link: url } = parseDateToken(unslack(target));
  const text = formatSlackDate(seconds, format, ctx);
  if (text === null) return escapeHtml(unslack(fallback ?? ''));
  const html = `<time class="md-date" datetime="${escapeHtml(new Date(Number(seconds) * 1000).toISOString())}" title="${escapeHtml(unslack(fallback ?? ''))}">${escapeHtml(text)}</time>`;
  return url ? link(url, html) : html;
}

/** @param {string} s @param {string} sep @returns {[string, string | undefined]} */
function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

// Private-use characters mark where already-rendered fragments go back in; they are stripped from input first.
const OPEN = '\uE000';
const CLOSE = '\uE001';

/**
 * Slack `mrkdwn` to HTML: ```pre```, `code`, <url|label>, <@U…>, <#C…>, *bold*, _italic_, ~strike~, > quotes,
 * :emoji: and newlines. Code and links are rendered first and held aside, so formatting never reaches inside them.
 * @param {unknown} input @param {RenderContext} ctx
 */
export function mrkdwn(input, ctx) {
  /** @type {string[]} */
  const held = [];
  const hold = (/** @type {string} */ html) => `${OPEN}${held.push(html) - 1}${CLOSE}`;
  let text = String(input ?? '').replace(/[\uE000\uE001]/g, '');
  text = text.replace(/```\n?([\s\S]*?)```/g, (_, code) =>
    hold(`<pre class="md-pre">${escapeHtml(unslack(code))}</pre>`),
  );
  text = text.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code class="md-code">${escapeHtml(unslack(code))}</code>`));
  text = text.replace(/<([^<>\n]+)>/g, (_, inner) => hold(angle(inner, ctx)));
  let html = emoji(escapeHtml(unslack(text)));
  html = html.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1<strong>$2</strong>');
  html = html.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g, '$1<em>$2</em>');
  html = html.replace(/(^|[^\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g, '$1<del>$2</del>');
  html = html.replace(/^&gt; ?(.*)$/gm, '<span class="md-quote">$1</span>');
  html = html.replace(/\n/g, '<br>');
  // Fragments may nest (a link inside bold); restore until none is left.
  const marker = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');
  for (let depth = 0; depth < 4 && html.includes(OPEN); depth++) {
    html = html.replace(marker, (_, i) => held[Number(i)] ?? '');
  }
  return html;
}

/**
 * A Block Kit text object: `mrkdwn` (unless `verbatim`… which still formats; only auto-linking differs) or
 * `plain_text`, escaped with emoji shortcodes shown when `emoji` is not false.
 * @param {any} obj @param {RenderContext} ctx
 */
export function renderText(obj, ctx) {
  if (obj == null) return '';
  if (typeof obj === 'string') return escapeHtml(obj);
  if (obj.type === 'mrkdwn') return mrkdwn(obj.text, ctx);
  const html = escapeHtml(obj.text).replace(/\n/g, '<br>');
  return obj.emoji === false ? html : emoji(html);
}

/** Text of a text object without markup, for attributes and option labels. @param {any} obj */
export function plainOf(obj) {
  if (obj == null) return '';
  return typeof obj === 'string' ? obj : String(obj.text ?? '');
}
