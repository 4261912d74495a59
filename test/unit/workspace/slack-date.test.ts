import { describe, expect, it } from 'vitest';

/** The page's `<!date^…>` rendering (a plain browser module, loaded by URL as render.test.ts does). */
type DateOptions = { timeZone?: string; now?: number };
const slackDate = (await import(new URL('../../../src/workspace/page/assets/slack-date.js', import.meta.url).href)) as {
  formatSlackDate(seconds: string, format: string, options?: DateOptions): string | null;
};
const { mrkdwn } = (await import(new URL('../../../src/workspace/page/assets/mrkdwn.js', import.meta.url).href)) as {
  mrkdwn(text: string, ctx: { users: Record<string, string>; channels: Record<string, string> } & DateOptions): string;
};

/** 2023-11-14 22:13:20 UTC, a Tuesday. */
const TS = '1700000000';
const utc = { timeZone: 'UTC', now: Date.UTC(2026, 0, 1) };
const format = (tokens: string, options: DateOptions = utc) => slackDate.formatSlackDate(TS, tokens, options);

describe("Slack's date tokens", () => {
  it('formats every documented token', () => {
    expect(format('{date_num}')).toBe('2023-11-14');
    expect(format('{date}')).toBe('November 14th, 2023');
    expect(format('{date_short}')).toBe('Nov 14, 2023');
    expect(format('{date_long}')).toBe('Tuesday, November 14th, 2023');
    expect(format('{date_pretty}')).toBe('November 14th, 2023');
    expect(format('{date_short_pretty}')).toBe('Nov 14, 2023');
    expect(format('{date_long_pretty}')).toBe('Tuesday, November 14th, 2023');
    expect(format('{time}')).toBe('10:13 PM');
    expect(format('{time_secs}')).toBe('10:13:20 PM');
    expect(format('Posted {date_short} at {time}')).toBe('Posted Nov 14, 2023 at 10:13 PM');
  });

  it("uses the viewer's time zone, day included", () => {
    expect(format('{date_num} {time}', { timeZone: 'Asia/Tokyo', now: utc.now })).toBe('2023-11-15 7:13 AM');
    expect(format('{date_long} {time}', { timeZone: 'America/New_York', now: utc.now })).toBe(
      'Tuesday, November 14th, 2023 5:13 PM',
    );
  });

  it('says today, yesterday and tomorrow in the pretty forms, capitalised at the start', () => {
    const at = (iso: string) => ({ timeZone: 'UTC', now: Date.parse(iso) });
    expect(format('{date_short_pretty} {time}', at('2023-11-14T08:00:00Z'))).toBe('Today 10:13 PM');
    expect(format('{date_pretty}', at('2023-11-15T23:59:00Z'))).toBe('Yesterday');
    expect(format('since {date_long_pretty}', at('2023-11-13T00:00:00Z'))).toBe('since tomorrow');
    // Tokyo's calendar has already moved on to the 15th at that instant.
    expect(format('{date_pretty}', { timeZone: 'Asia/Tokyo', now: Date.parse('2023-11-14T16:00:00Z') })).toBe('Today');
  });

  it('gives up (so the fallback shows) on a bad timestamp or an unknown token', () => {
    expect(slackDate.formatSlackDate('soon', '{date}', utc)).toBeNull();
    expect(format('{date_fancy}')).toBeNull();
  });

  it('renders in mrkdwn with the fallback as the title, the link when given, and the fallback when it cannot', () => {
    const ctx = { users: {}, channels: {}, ...utc };
    const html = mrkdwn(`at <!date^${TS}^{date_short_pretty} {time}|2023-11-14 22:13 UTC>`, ctx);
    expect(html).toBe(
      'at <time class="md-date" datetime="2023-11-14T22:13:20.000Z" title="2023-11-14 22:13 UTC">Nov 14, 2023 10:13 PM</time>',
    );
    expect(mrkdwn(`<!date^${TS}^{date_num}^https://example.com/a|fallback>`, ctx)).toMatch(
      /^<a href="https:\/\/example.com\/a"[^>]*><time [^>]*>2023-11-14<\/time><\/a>$/,
    );
    expect(mrkdwn('<!date^soon^{date}|in a while>', ctx)).toBe('in a while');
    expect(mrkdwn('<!date^soon^{date}|<b>&amp;</b>>', ctx)).not.toContain('<b>');
  });
});
