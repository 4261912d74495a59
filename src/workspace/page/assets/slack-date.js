// @ts-check
/**
 * Slack's date tokens, `<!date^1700000000^{date_short_pretty} {time}^https://link|fallback>`, rendered as Slack's
 * client renders them: in the viewer's time zone, English names, 12-hour clock. Pure (the time zone and "now" come
 * in), importable from Node for tests. Tokens: api.slack.com/reference/surfaces/formatting#date-formatting.
 */

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = /** @type {Record<string, string>} */ ({
  Sun: 'Sunday',
  Mon: 'Monday',
  Tue: 'Tuesday',
  Wed: 'Wednesday',
  Thu: 'Thursday',
  Fri: 'Friday',
  Sat: 'Saturday',
});

/** @typedef {{ year: number, month: number, day: number, weekday: string, hour: number, minute: number, second: number }} Parts */
/** @typedef {{ timeZone?: string, now?: number }} DateOptions */

/** The calendar and clock of `ms` in `timeZone` (the viewer's when undefined). @param {number} ms @param {string | undefined} timeZone @returns {Parts} */
function partsOf(ms, timeZone) {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'short',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  /** @type {Record<string, string>} */
  const p = {};
  for (const { type, value } of format.formatToParts(new Date(ms))) p[type] = value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    weekday: WEEKDAYS[p.weekday ?? ''] ?? '',
    hour: Number(p.hour) % 24,
    minute: Number(p.minute),
    second: Number(p.second),
  };
}

/** 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st. @param {number} n */
function ordinal(n) {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');

/** "today", "yesterday" or "tomorrow" in the viewer's calendar, else null. @param {Parts} d @param {Parts} today */
function relativeDay(d, today) {
  const days = Math.round(
    (Date.UTC(d.year, d.month - 1, d.day) - Date.UTC(today.year, today.month - 1, today.day)) / 86_400_000,
  );
  return days === 0 ? 'today' : days === -1 ? 'yesterday' : days === 1 ? 'tomorrow' : null;
}

/**
 * The text of a date token's format string for `seconds`, or null when Slack's client could not format it (a bad
 * timestamp or an unknown token): the caller then shows the fallback.
 * @param {string} seconds @param {string} format @param {DateOptions} [options]
 */
export function formatSlackDate(seconds, format, options = {}) {
  if (!/^-?\d+$/.test(seconds)) return null;
  const ms = Number(seconds) * 1000;
  if (!Number.isFinite(new Date(ms).getTime())) return null;
  const d = partsOf(ms, options.timeZone);
  const today = partsOf(options.now ?? Date.now(), options.timeZone);
  const month = MONTHS[d.month - 1] ?? '';
  const hour12 = d.hour % 12 === 0 ? 12 : d.hour % 12;
  const ampm = d.hour < 12 ? 'AM' : 'PM';
  const date = `${month} ${ordinal(d.day)}, ${d.year}`;
  const dateShort = `${month.slice(0, 3)} ${d.day}, ${d.year}`;
  const dateLong = `${d.weekday}, ${date}`;
  const relative = relativeDay(d, today);
  /** @type {Record<string, string>} */
  const tokens = {
    date_num: `${d.year}-${pad(d.month)}-${pad(d.day)}`,
    date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: relative ?? date,
    date_short_pretty: relative ?? dateShort,
    date_long_pretty: relative ?? dateLong,
    time: `${hour12}:${pad(d.minute)} ${ampm}`,
    time_secs: `${hour12}:${pad(d.minute)}:${pad(d.second)} ${ampm}`,
  };
  let unknown = false;
  const text = format.replace(/\{(\w+)\}/g, (_, name) => {
    const value = tokens[name];
    if (value === undefined) unknown = true;
    return value ?? '';
  });
  if (unknown) return null;
  // "Today at 3:04 PM": a relative day that opens the text is capitalised.
  return text.replace(/^(today|yesterday|tomorrow)/, (word) => word[0]?.toUpperCase() + word.slice(1));
}

/**
 * Splits a date token's inside (`!date^<seconds>^<format>[^<link>]`, `|fallback` already split off).
 * @param {string} target @returns {{ seconds: string, format: string, link?: string }}
 */
export function parseDateToken(target) {
  const [, seconds = '', format = '', ...link] = target.split('^');
  return link.length ? { seconds, format, link: link.join('^') } : { seconds, format };
}
