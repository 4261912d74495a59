/**
 * Small Block Kit vocabulary shared by the message builders. Builders are pure: data in, `{text, blocks}` out. `text`
 * is always set too: Slack uses it for notifications and screen readers.
 */
import { cut } from './text.js';

export interface Message {
  text: string;
  blocks: Block[];
}

export type Block = Record<string, unknown> & { type: string };

/** Slack's limit for a section's text (see slack-platform.md §5). */
export const SECTION_TEXT_LIMIT = 3000;

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A plain_text object, as buttons, headers, modal titles and select options take it. */
export function plainText(text: string): { type: 'plain_text'; text: string; emoji: true } {
  return { type: 'plain_text', text, emoji: true };
}

export function header(text: string): Block {
  return { type: 'header', text: plainText(cut(text, 150)) };
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
export function textMessage(text: string): Message {
  return { text, blocks: [section(text)] };
}

/** A link to a message in Slack (Slack redirects it to the workspace the reader is signed in to). */
export function messageLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}

export function section(markdown: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(markdown, SECTION_TEXT_LIMIT) } };
}

export function context(...markdown: string[]): Block {
  return { type: 'context', elements: markdown.slice(0, 10).map((text) => ({ type: 'mrkdwn', text })) };
}

/** Packs lines into as few sections as fit Slack's per-section limit. */
export function sectionsOf(lines: string[]): Block[] {
  const blocks: Block[] = [];
  let current = '';
  for (const line of lines) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length > SECTION_TEXT_LIMIT && current) {
      blocks.push(section(current));
      current = line;
    } else {
      current = candidate;
    }
  }
  if (current) blocks.push(section(current));
  return blocks;
}

/** At most `limit` UTF-16 units, whole graphemes only, with `…` when cut. */
export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${cut(text, limit - 1)}…`;
}
