import { join, type Mrkdwn, md, shownPlain } from './mrkdwn.js';
import { cut } from './text.js';

/**
 * Small Block Kit vocabulary shared by the message builders. Builders are pure: data in, `{text, blocks}` out. `text`
 * is always set too: Slack uses it for notifications and screen readers. Every mrkdwn text here is `Mrkdwn` (see
 * mrkdwn.ts), so text from people and webhooks is escaped in blocks and in `text` alike.
 */
export interface Message {
  text: string;
  blocks: Block[];
}

/** A message: its `text` (what notifications show) and its blocks, both from the same escaping template. */
export function message(text: Mrkdwn, blocks: Block[]): Message {
  return { text: text.text, blocks };
}

export type Block = Record<string, unknown> & { type: string };

/** Slack's limit for a section's text (see slack-platform.md §5). */
export const SECTION_TEXT_LIMIT = 3000;

/** A plain_text object, as buttons, headers, modal titles and select options take it. */
export function plainText(text: string): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text, emoji: true };
}

/** A header: plain text, which Slack shows as typed; markup-looking pieces in it show as what they mean. */
export function header(text: string): Block {
  return { type: 'header', text: plainText(cut(shownPlain(text), 150)) };
}

/** A button element for an actions block. */
export function button(
  actionId: string,
  text: string,
  value: string,
  style?: 'primary' | 'danger',
): Record<string, unknown> {
  return { type: 'button', action_id: actionId, text: plainText(text), value, ...(style && { style }) };
}

/** A reply of one line: the text, and the same as a section. */
export function textMessage(text: Mrkdwn): Message {
  return message(text, [section(text)]);
}

/** A link to a message in Slack (Slack redirects it to the workspace the reader is signed in to). */
export function messageLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

export function section(markdown: Mrkdwn): Block {
  return { type: 'section', text: mrkdwnText(markdown, SECTION_TEXT_LIMIT) };
}

/** A section of two-column fields (at most 10, each at most 2,000 characters). */
export function fields(...markdown: Mrkdwn[]): Block {
  return { type: 'section', fields: markdown.slice(0, 10).map((text) => mrkdwnText(text, 2000)) };
}

export function context(...markdown: Mrkdwn[]): Block {
  return { type: 'context', elements: markdown.slice(0, 10).map((text) => mrkdwnText(text, 2900)) };
}

function mrkdwnText(markdown: Mrkdwn, limit: number): { type: 'mrkdwn'; text: string } {
  return { type: 'mrkdwn', text: truncate(markdown.text, limit) };
}

/** Packs lines into as few sections as fit Slack's per-section limit. */
export function sectionsOf(lines: readonly Mrkdwn[]): Block[] {
  const blocks: Block[] = [];
  let current: Mrkdwn[] = [];
  let length = 0;
  for (const line of lines) {
    if (current.length > 0 && length + 1 + line.text.length > SECTION_TEXT_LIMIT) {
      blocks.push(section(join(current, md`\n`)));
      current = [];
      length = 0;
    }
    current.push(line);
    length += (current.length > 1 ? 1 : 0) + line.text.length;
  }
  if (current.length > 0) blocks.push(section(join(current, md`\n`)));
  return blocks;
}

/** At most `limit` UTF-16 units, whole graphemes only, with `…` when cut. */
export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${cut(text, limit - 1)}…`;
}
