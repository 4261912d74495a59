import { describe, expect, it } from 'vitest';
import {
  BLOCK_LIMITS,
  blockRuleError,
  checkBlocks,
  checkMessageText,
  checkView,
} from '../../../src/workspace/web-api/block-rules.js';

const text = (t: string, type = 'mrkdwn') => ({ type, text: t });
const plain = (t: string) => text(t, 'plain_text');
const section = (t = 'hi', extra: Record<string, unknown> = {}) => ({ type: 'section', text: text(t), ...extra });
const button = (label = 'Go', extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: plain(label),
  action_id: 'go',
  ...extra,
});
const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  title: plain('Deploy'),
  blocks: [],
  ...extra,
});

describe('block rules', () => {
  it('accepts a realistic message (the block-actions-with-message.json blocks)', () => {
    const blocks = [
      {
        type: 'section',
        block_id: '8KR',
        text: { type: 'mrkdwn', text: 'This is a section block with a button.', verbatim: false },
        accessory: { type: 'button', action_id: 'button', text: plain('Click Me'), value: 'clicked' },
      },
      { type: 'divider' },
      { type: 'header', text: plain('Incident') },
      { type: 'context', elements: [text('ctx'), { type: 'image', image_url: 'https://x/y.png', alt_text: 'y' }] },
      { type: 'actions', elements: [button('A', { action_id: 'a' }), button('B', { action_id: 'b' })] },
    ];
    expect(checkBlocks(blocks, 'message')).toBeNull();
    expect(blockRuleError([], 'message')).toBeNull();
  });

  it('refuses a non-array as invalid_blocks_format', () => {
    expect(blockRuleError('[{', 'message')).toBe('invalid_blocks_format');
    expect(blockRuleError({ type: 'section' }, 'message')).toBe('invalid_blocks_format');
  });

  it('limits messages to 50 blocks and views to 100', () => {
    const blocks = (n: number) => Array.from({ length: n }, () => ({ type: 'divider' }));
    expect(blockRuleError(blocks(50), 'message')).toBeNull();
    expect(checkBlocks(blocks(51), 'message')).toMatchObject({ error: 'invalid_blocks', pointer: '/blocks' });
    expect(blockRuleError(blocks(100), 'modal')).toBeNull();
    expect(blockRuleError(blocks(101), 'modal')).toBe('invalid_blocks');
    expect(blockRuleError(blocks(101), 'home')).toBe('invalid_blocks');
  });

  it('limits section text to 3000 characters and fields to 10 × 2000', () => {
    expect(blockRuleError([section('x'.repeat(3000))], 'message')).toBeNull();
    const v = checkBlocks([section('x'.repeat(3001))], 'message');
    expect(v).toMatchObject({ error: 'invalid_blocks', pointer: '/blocks/0/text/text' });
    expect(v?.message).toContain('[json-pointer:/blocks/0/text/text]');
    const fields = (n: number, len = 5) => ({
      type: 'section',
      fields: Array.from({ length: n }, () => text('f'.repeat(len))),
    });
    expect(blockRuleError([fields(10)], 'message')).toBeNull();
    expect(blockRuleError([fields(11)], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([fields(1, 2001)], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'section' }], 'message')).toBe('invalid_blocks');
  });

  it('limits header text to 150 plain_text characters', () => {
    expect(blockRuleError([{ type: 'header', text: plain('h'.repeat(150)) }], 'message')).toBeNull();
    expect(blockRuleError([{ type: 'header', text: plain('h'.repeat(151)) }], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'header', text: text('mrkdwn header') }], 'message')).toBe('invalid_blocks');
  });

  it('limits button text to 75, value to 2000 and url to 3000', () => {
    const actions = (el: unknown) => [{ type: 'actions', elements: [el] }];
    expect(blockRuleError(actions(button('b'.repeat(75))), 'message')).toBeNull();
    expect(checkBlocks(actions(button('b'.repeat(76))), 'message')?.pointer).toBe('/blocks/0/elements/0/text/text');
    expect(blockRuleError(actions(button('ok', { value: 'v'.repeat(2001) })), 'message')).toBe('invalid_blocks');
    expect(blockRuleError(actions(button('ok', { url: `https://${'u'.repeat(3000)}` })), 'message')).toBe(
      'invalid_blocks',
    );
  });

  it('limits block_id and action_id to 255 characters', () => {
    expect(blockRuleError([{ type: 'divider', block_id: 'b'.repeat(255) }], 'message')).toBeNull();
    expect(blockRuleError([{ type: 'divider', block_id: 'b'.repeat(256) }], 'message')).toBe('invalid_blocks');
    const el = button('ok', { action_id: 'a'.repeat(256) });
    expect(checkBlocks([section('x', { accessory: el })], 'message')?.pointer).toBe('/blocks/0/accessory/action_id');
  });

  it('limits actions blocks to 25 elements and context blocks to 10', () => {
    const els = (n: number) => Array.from({ length: n }, (_, i) => button('b', { action_id: `a${i}` }));
    expect(blockRuleError([{ type: 'actions', elements: els(25) }], 'message')).toBeNull();
    expect(blockRuleError([{ type: 'actions', elements: els(26) }], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'actions', elements: [] }], 'message')).toBe('invalid_blocks');
    const ctx = (n: number) => ({ type: 'context', elements: Array.from({ length: n }, () => text('c')) });
    expect(blockRuleError([ctx(10)], 'message')).toBeNull();
    expect(blockRuleError([ctx(11)], 'message')).toBe('invalid_blocks');
  });

  it('refuses duplicate block_ids and duplicate action_ids within a block', () => {
    const dup = [
      { type: 'divider', block_id: 'same' },
      { type: 'divider', block_id: 'same' },
    ];
    expect(checkBlocks(dup, 'message')).toMatchObject({ error: 'invalid_blocks', pointer: '/blocks/1/block_id' });
    const sameAction = [{ type: 'actions', elements: [button('a'), button('b')] }];
    expect(blockRuleError(sameAction, 'message')).toBe('invalid_blocks');
  });

  it('refuses empty text objects, unknown types and non-objects', () => {
    expect(blockRuleError([section('')], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'header', text: plain('') }], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'section', text: { type: 'html', text: 'x' } }], 'message')).toBe('invalid_blocks');
    expect(blockRuleError([{ type: 'carousel' }], 'message')).toBe('invalid_blocks');
    expect(blockRuleError(['divider'], 'message')).toBe('invalid_blocks');
  });

  it('limits select options to 100 and overflow options to 5', () => {
    const opts = (n: number) => Array.from({ length: n }, (_, i) => ({ text: plain(`o${i}`), value: `v${i}` }));
    const select = (n: number) => [
      section('pick', { accessory: { type: 'static_select', action_id: 's', options: opts(n) } }),
    ];
    expect(blockRuleError(select(100), 'message')).toBeNull();
    expect(blockRuleError(select(101), 'message')).toBe('invalid_blocks');
    const overflow = (n: number) => [
      section('more', { accessory: { type: 'overflow', action_id: 'o', options: opts(n) } }),
    ];
    expect(blockRuleError(overflow(5), 'message')).toBeNull();
    expect(blockRuleError(overflow(6), 'message')).toBe('invalid_blocks');
  });

  it('answers msg_too_long above 40,000 characters of text', () => {
    expect(checkMessageText('x'.repeat(BLOCK_LIMITS.messageText))).toBeNull();
    expect(checkMessageText('x'.repeat(40_001))?.error).toBe('msg_too_long');
    expect(checkMessageText(undefined)).toBeNull();
  });

  it('checks modal title, submit and close (24 chars) as invalid_arguments, like views.open', () => {
    expect(checkView(modal())).toBeNull();
    expect(checkView(modal({ title: plain('t'.repeat(24)) }))).toBeNull();
    expect(checkView(modal({ title: plain('t'.repeat(25)) }))).toMatchObject({
      error: 'invalid_arguments',
      pointer: '/view/title/text',
    });
    expect(checkView(modal({ submit: plain('s'.repeat(25)) }))?.pointer).toBe('/view/submit/text');
    expect(checkView(modal({ close: plain('c'.repeat(25)) }))?.pointer).toBe('/view/close/text');
    expect(checkView(modal({ title: undefined }))?.error).toBe('invalid_arguments');
  });

  it('checks view blocks with the 100-block limit, input blocks needing submit, and the view type', () => {
    const input = {
      type: 'input',
      block_id: 'b',
      label: plain('Why'),
      element: { type: 'plain_text_input', action_id: 'a' },
    };
    expect(checkView(modal({ blocks: [input] }))?.pointer).toBe('/view/submit');
    expect(checkView(modal({ blocks: [input], submit: plain('Go') }))).toBeNull();
    expect(checkView(modal({ blocks: [section('')] }))?.pointer).toBe('/view/blocks/0/text/text');
    expect(checkView({ type: 'home', blocks: [] }, 'home')).toBeNull();
    expect(checkView({ type: 'home', blocks: [] }, 'modal')?.error).toBe('invalid_arguments');
    expect(checkView('{not json', 'modal')?.error).toBe('invalid_arguments');
    const huge = modal({
      private_metadata: 'm'.repeat(2000),
      blocks: Array.from({ length: 100 }, () => section('x'.repeat(2990))),
    });
    expect(checkView(huge)?.error).toBe('view_too_large');
  });
});
