import { describe, expect, it } from 'vitest';
import { emojiByShortcode } from '../../../src/workspace/page/emoji.js';

/**
 * The page's Block Kit renderer (plain browser ES modules, JSDoc-typed) imported in Node as the browser imports it.
 * tsc does not read those .js files (no allowJs), so they are loaded by URL and typed here by what the tests use.
 */
type Ctx = {
  users: Record<string, string>;
  channels: Record<string, string>;
  bots?: Record<string, boolean>;
  groups?: Record<string, string>;
};
type Render = (value: unknown, ctx: Ctx, opts?: Record<string, unknown>) => string;

const pageModule = (name: string) =>
  import(new URL(`../../../src/workspace/page/assets/${name}`, import.meta.url).href);
const render = (await pageModule('render.js')) as {
  escapeHtml(value: unknown): string;
  mrkdwn(text: string, ctx: Ctx): string;
  renderText: Render;
  renderBlocks: Render;
  renderBlock: Render;
  renderElement(el: unknown, blockId: string, ctx: Ctx, mode?: 'action' | 'input'): string;
  setEmoji(names: Record<string, string>): void;
};
// The names the workspace serves the page (emojibase-data), as app.js loads them before rendering.
render.setEmoji(emojiByShortcode());
const surfaces = (await pageModule('surfaces.js')) as {
  renderMessage: Render;
  renderModal: Render;
  renderConfirm: Render;
  renderRequestRow: Render;
  newestFirst(requests: Array<{ id: number; at: number }>): Array<{ id: number; at: number }>;
  SLOW_ACK_MS: number;
};
const values = (await pageModule('values.js')) as {
  stateValue(element: unknown, raw: string | string[] | null): Record<string, unknown>;
  stateValues(blocks: unknown, reads: Record<string, string | string[] | null>): Record<string, unknown>;
  applyState(blocks: unknown, values: unknown): Array<{ element?: Record<string, unknown> }>;
};

const ctx: Ctx = { users: { U0CAROL: 'carol', U0BOT: 'opsdeck' }, channels: { C0OPS: 'ops' } };
const plain = (text: string) => ({ type: 'plain_text', text });
const md = (text: string) => ({ type: 'mrkdwn', text });
const SCRIPT = '<script>alert(1)</script>';

/** Parses the JSON the renderer put in an attribute (escaped as HTML). */
function attrJson(html: string, name: string): unknown {
  const match = new RegExp(`${name}="([^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no ${name} in ${html}`);
  const raw = match[1]
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
  return JSON.parse(raw);
}

describe('mrkdwn', () => {
  it('formats bold, italic, strike, code, pre and newlines', () => {
    expect(render.mrkdwn('*bold* _italic_ ~gone~', ctx)).toBe('<strong>bold</strong> <em>italic</em> <del>gone</del>');
    expect(render.mrkdwn('run `ops *x*`', ctx)).toBe('run <code class="md-code">ops *x*</code>');
    expect(render.mrkdwn('```a\n*b*```', ctx)).toBe('<pre class="md-pre">a\n*b*</pre>');
    expect(render.mrkdwn('one\ntwo', ctx)).toBe('one<br>two');
    expect(render.mrkdwn('snake_case_name and 2 * 3 * 4', ctx)).toBe('snake_case_name and 2 * 3 * 4');
  });

  it('renders links, mentions and channels, and never links javascript: URLs', () => {
    expect(render.mrkdwn('<https://example.com/a?b=1&amp;c=2|the docs>', ctx)).toBe(
      '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener noreferrer">the docs</a>',
    );
    expect(render.mrkdwn('<https://example.com>', ctx)).toContain('>https://example.com</a>');
    expect(render.mrkdwn('*<https://x.io|bold link>*', ctx)).toMatch(/^<strong><a href="https:\/\/x.io"/);
    expect(render.mrkdwn('<javascript:alert(1)|click>', ctx)).toBe('click');
    expect(render.mrkdwn('hi <@U0CAROL>, <@U0NOBODY>', ctx)).toBe(
      'hi <span class="mention">@carol</span>, <span class="mention">@U0NOBODY</span>',
    );
    expect(render.mrkdwn('<#C0OPS> <#C0X|named>', ctx)).toBe(
      '<span class="mention">#ops</span> <span class="mention">#named</span>',
    );
    expect(render.mrkdwn('<!here>', ctx)).toBe('<span class="mention">@here</span>');
  });

  it('shows a user group by its handle, as Slack does, and its id only when the workspace has no such group', () => {
    const withGroups = { ...ctx, groups: { S0LEADS: 'leads' } };
    expect(render.mrkdwn('paging <!subteam^S0LEADS>', withGroups)).toBe('paging <span class="mention">@leads</span>');
    expect(render.mrkdwn('<!subteam^S0LEADS|@old-name>', withGroups)).toBe('<span class="mention">@leads</span>');
    expect(render.mrkdwn('<!subteam^S0NONE>', withGroups)).toBe('<span class="mention">@S0NONE</span>');
  });

  it('shows known :emoji: tagged with their shortcode and leaves others as text', () => {
    expect(render.mrkdwn(':rocket: :no_such_emoji:', ctx)).toBe(
      '<span class="emoji" data-code=":rocket:">🚀</span> :no_such_emoji:',
    );
    // Slack's names for what Opsdeck's messages use, none of them hand-listed.
    const shown = (name: string) => /data-code=":[^"]+">([^<]+)</.exec(render.mrkdwn(`:${name}:`, ctx))?.[1];
    expect(['red_circle', 'eyes', 'no_bell', 'mega', 'raised_hand', '+1'].map(shown)).toEqual([
      '🔴',
      '👀',
      '🔕',
      '📣',
      '✋️',
      '👍️',
    ]);
    expect(render.mrkdwn(':constructor: :__proto__:', ctx)).toBe(':constructor: :__proto__:');
  });

  it('escapes everything else, decoding Slack’s own &lt; &gt; &amp; first', () => {
    expect(render.mrkdwn(SCRIPT, ctx)).not.toContain('<script');
    expect(render.mrkdwn('&lt;b&gt; &amp; "q"', ctx)).toBe('&lt;b&gt; &amp; &quot;q&quot;');
    expect(render.mrkdwn('`<img src=x onerror=1>`', ctx)).toBe(
      '<code class="md-code">&lt;img src=x onerror=1&gt;</code>',
    );
    expect(render.renderText(plain(SCRIPT), ctx)).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(render.renderText(plain('*not bold*'), ctx)).toBe('*not bold*');
  });
});

describe('blocks', () => {
  it('header, divider, context with text and image elements', () => {
    expect(render.renderBlock({ type: 'header', text: plain('Deploys') }, ctx)).toBe(
      '<div class="bk-header" data-block-id="">Deploys</div>',
    );
    expect(render.renderBlock({ type: 'divider' }, ctx)).toContain('<hr class="bk-divider"');
    const context = render.renderBlock(
      {
        type: 'context',
        elements: [md('by *carol*'), { type: 'image', image_url: 'https://img.example/a.png', alt_text: 'logo' }],
      },
      ctx,
    );
    expect(context).toContain('<span>by <strong>carol</strong></span>');
    expect(context).toContain('<a class="bk-image-link" href="https://img.example/a.png"');
    expect(context).toContain('🖼 logo</a>');
  });

  it('section with text, fields and each accessory kind', () => {
    const fields = render.renderBlock(
      { type: 'section', block_id: 's', fields: [md('*Env*\nprod'), plain('v1')] },
      ctx,
    );
    expect(fields).toContain('<div class="bk-field"><strong>Env</strong><br>prod</div><div class="bk-field">v1</div>');

    const withButton = render.renderBlock(
      {
        type: 'section',
        block_id: 's1',
        text: md('Restart?'),
        accessory: { type: 'button', action_id: 'go', text: plain('Go'), value: 'v' },
      },
      ctx,
    );
    expect(withButton).toContain('<div class="bk-text">Restart?</div>');
    expect(withButton).toContain('data-action-id="go" data-block-id="s1" data-type="button" data-value="v"');

    const select = render.renderElement(
      {
        type: 'static_select',
        action_id: 'pick',
        placeholder: plain('Pick one'),
        options: [
          { text: plain('A'), value: 'a' },
          { text: plain('B'), value: 'b' },
        ],
        option_groups: [{ label: plain('More'), options: [{ text: plain('C'), value: 'c' }] }],
        initial_option: { text: plain('B'), value: 'b' },
      },
      's2',
      ctx,
    );
    expect(select).toMatch(
      /^<select class="bk-select" data-action-id="pick" data-block-id="s2" data-type="static_select">/,
    );
    expect(select).toContain('<option value="" disabled>Pick one</option>');
    expect(select).toContain('<option value="b" selected>B</option>');
    expect(select).toContain('<optgroup label="More"><option value="c">C</option></optgroup>');

    const image = render.renderElement(
      { type: 'image', image_url: 'https://i.example/x.png', alt_text: 'graph' },
      's',
      ctx,
    );
    expect(image).toContain('href="https://i.example/x.png"');

    const overflow = render.renderElement(
      { type: 'overflow', action_id: 'more', options: [{ text: plain('Silence'), value: 'silence' }] },
      's3',
      ctx,
    );
    expect(overflow).toContain('<details class="bk-overflow">');
    expect(overflow).toContain('data-type="overflow" data-option-value="silence" data-option-text="Silence"');
  });

  it('actions: button styles, confirm dialogs as data, selects and overflow', () => {
    const confirm = {
      title: plain('Sure?'),
      text: md('This *restarts* api'),
      confirm: plain('Do it'),
      deny: plain('Stop'),
      style: 'danger',
    };
    const html = render.renderBlock(
      {
        type: 'actions',
        block_id: 'a',
        elements: [
          { type: 'button', action_id: 'ok', text: plain('Approve'), style: 'primary', value: '1' },
          { type: 'button', action_id: 'no', text: plain('Reject'), style: 'danger', confirm },
          { type: 'button', action_id: 'plain', text: plain('Later'), style: 'weird' },
          { type: 'static_select', action_id: 'sel', options: [{ text: plain('x'), value: 'x' }] },
          { type: 'overflow', action_id: 'of', options: [{ text: plain('y'), value: 'y' }] },
        ],
      },
      ctx,
    );
    expect(html).toMatch(/^<div class="bk-actions" data-block-id="a">/);
    expect(html).toContain('<button type="button" class="bk-button bk-primary" data-action-id="ok"');
    expect(html).toContain('<button type="button" class="bk-button bk-danger" data-action-id="no"');
    expect(html).toContain('<button type="button" class="bk-button" data-action-id="plain"');
    const reject = html.slice(html.indexOf('data-action-id="no"'));
    expect(attrJson(reject, 'data-confirm')).toEqual(confirm);
    expect(html).toContain('data-type="static_select"');
    expect(html).toContain('data-type="overflow"');
  });

  it('confirm dialogs render their title, text and buttons', () => {
    const html = surfaces.renderConfirm(
      { title: plain('Sure?'), text: md('*Really*'), confirm: plain('Yes'), deny: plain('No'), style: 'danger' },
      ctx,
    );
    expect(html).toContain('<h2 class="modal-title">Sure?</h2>');
    expect(html).toContain('<strong>Really</strong>');
    expect(html).toContain('data-confirm-answer="deny">No</button>');
    expect(html).toContain('class="bk-button bk-danger" data-confirm-answer="confirm">Yes</button>');
  });

  it('image blocks are links, and unsafe image URLs are not', () => {
    const html = render.renderBlock(
      { type: 'image', image_url: 'https://i.example/p.png', alt_text: 'p99', title: plain('Latency') },
      ctx,
    );
    expect(html).toContain('<div class="bk-image-title">Latency</div>');
    expect(html).toContain('<a class="bk-image-link" href="https://i.example/p.png"');
    const unsafe = render.renderBlock({ type: 'image', image_url: 'javascript:alert(1)', alt_text: 'x' }, ctx);
    expect(unsafe).not.toContain('href');
  });

  it('input blocks: text (single and multiline), select, checkboxes, radios, datepicker, hint, optional, errors', () => {
    const input = (block_id: string, element: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      type: 'input',
      block_id,
      label: plain(block_id),
      element,
      ...extra,
    });
    const options = [
      { text: plain('One'), value: '1', description: plain('first') },
      { text: plain('Two'), value: '2' },
    ];
    const html = render.renderBlocks(
      [
        input('title', { type: 'plain_text_input', action_id: 't', initial_value: 'x"y', placeholder: plain('Title') }),
        input('body', { type: 'plain_text_input', action_id: 'b', multiline: true, initial_value: SCRIPT }),
        input('env', { type: 'static_select', action_id: 'e', options, initial_option: options[1] }),
        input('checks', { type: 'checkboxes', action_id: 'c', options, initial_options: [options[0]] }),
        input('mode', { type: 'radio_buttons', action_id: 'r', options }),
        input(
          'day',
          { type: 'datepicker', action_id: 'd', initial_date: '2025-01-31' },
          { optional: true, hint: plain('When') },
        ),
      ],
      ctx,
      { errors: { title: 'Too short' } },
    );
    expect(html).toContain(
      '<div class="bk-input has-error" data-block-id="title"><label class="bk-label">title</label><input type="text" class="bk-text-input" data-action-id="t" data-block-id="title" data-input="plain_text_input" placeholder="Title" value="x&quot;y">',
    );
    expect(html).toContain('<div class="bk-error" role="alert">Too short</div>');
    expect(html).toContain('data-input="plain_text_input" rows="4">&lt;script&gt;alert(1)&lt;/script&gt;</textarea>');
    expect(html).toContain('data-input="static_select"');
    expect(html).toContain('<option value="2" selected>Two</option>');
    expect(html).toContain('<input type="checkbox" name="checks.c" value="1" checked>');
    expect(html).toContain('<span class="bk-choice-desc">first</span>');
    expect(html).toContain('<input type="radio" name="mode.r" value="2">');
    expect(html).toContain(
      '<input type="date" class="bk-text-input" data-action-id="d" data-block-id="day" data-input="datepicker" value="2025-01-31">',
    );
    expect(html).toContain('<span class="bk-optional">(optional)</span>');
    expect(html).toContain('<div class="bk-hint">When</div>');
    expect(html.match(/bk-error/g)).toHaveLength(1);
  });

  it('unknown blocks and elements render as visible placeholders and never throw', () => {
    expect(
      render.renderBlocks([{ type: 'video' }, null, { type: 'section', accessory: { type: 'time_travel' } }], ctx),
    ).toBe(
      '<div class="bk-unsupported">unsupported block: video</div><div class="bk-unsupported">unsupported block: object</div>' +
        '<div class="bk-section" data-block-id=""><div class="bk-section-main"></div><div class="bk-accessory"><div class="bk-unsupported">unsupported element: time_travel</div></div></div>',
    );
    expect(render.renderBlocks({ not: 'an array' }, ctx)).toBe('');
    expect(render.renderBlock({ type: `<b>${SCRIPT}` }, ctx)).not.toContain('<script');
    // A block that makes a renderer throw (elements not a list) still leaves a placeholder.
    expect(render.renderBlocks([{ type: 'actions', elements: 7 }], ctx)).toContain('unsupported block: actions');
  });

  it('escapes attacker text in every attribute and label', () => {
    const html = render.renderBlock(
      {
        type: 'actions',
        block_id: `"><script>`,
        elements: [{ type: 'button', action_id: `" onclick="x`, text: plain(SCRIPT), value: `'><b>` }],
      },
      ctx,
    );
    expect(html).not.toMatch(/<script|<b>|" onclick/);
  });
});

describe('messages, modals and the request log', () => {
  const message = (extra: Record<string, unknown> = {}) => ({
    channel: 'C0OPS',
    ts: '1700000000.000100',
    user: 'U0BOT',
    botId: 'B1',
    text: 'fallback *text*',
    ephemeral: false,
    ...extra,
  });

  it('marks ephemeral and edited messages, and prefers blocks over text', () => {
    const html = surfaces.renderMessage(
      message({ ephemeral: true, edited: { user: 'U0BOT', ts: '1700000001.000000' }, blocks: [{ type: 'divider' }] }),
      ctx,
    );
    expect(html).toContain(
      'class="msg msg-ephemeral msg-bot" data-ts="1700000000.000100" data-channel="C0OPS" data-edited="1700000001.000000"',
    );
    expect(html).toContain('Only visible to you');
    expect(html).toContain('<span class="msg-edited">(edited)</span>');
    expect(html).toContain('<span class="badge">APP</span>');
    expect(html).not.toContain('fallback');
    const simple = surfaces.renderMessage(message({ user: 'U0CAROL', botId: undefined }), ctx);
    expect(simple).toContain('fallback <strong>text</strong>');
    expect(simple).not.toMatch(/Only visible|edited|APP/);
  });

  it('shows a thread toggle, and the replies when the thread is open', () => {
    const reply = message({ ts: '1700000002.000000', threadTs: '1700000000.000100', text: 'a reply', user: 'U0CAROL' });
    const closed = surfaces.renderMessage(message(), ctx, { replies: [reply] });
    expect(closed).toContain('data-thread="1700000000.000100" aria-expanded="false">1 reply</button>');
    expect(closed).not.toContain('a reply');
    const open = surfaces.renderMessage(message(), ctx, { replies: [reply, reply], threadOpen: true });
    expect(open).toContain('2 replies');
    expect(open).toContain('<div class="thread">');
    expect(open).toContain('a reply');
  });

  it('renders a modal with back, close, submit and errors under the matching input', () => {
    const html = surfaces.renderModal(
      {
        id: 'V1',
        type: 'modal',
        view: {
          title: plain('Deploy'),
          submit: plain('Go'),
          blocks: [
            {
              type: 'input',
              block_id: 'why',
              label: plain('Why'),
              element: { type: 'plain_text_input', action_id: 'w' },
            },
          ],
        },
        errors: { why: 'Say why' },
      },
      ctx,
      { canGoBack: true },
    );
    expect(html).toMatch(/^<form class="modal" data-view-id="V1"/);
    expect(html).toContain('data-modal="back"');
    expect(html).toContain('data-modal="close">Cancel</button>');
    expect(html).toContain('data-modal="submit">Go</button>');
    expect(html).toMatch(/data-block-id="why">.*<div class="bk-error" role="alert">Say why<\/div><\/div>/);
  });

  it('shows request-log rows with ack ms, red only above Slack’s 3 s', () => {
    const row = (ackMs: number, status = 200) =>
      surfaces.renderRequestRow(
        { id: 1, at: Date.now(), kind: 'command', userId: 'U0CAROL', summary: '/ops ping', status, ackMs },
        ctx,
      );
    expect(surfaces.SLOW_ACK_MS).toBe(3000);
    expect(row(12.4)).toContain('<td class="req-ack">12 ms</td>');
    expect(row(12.4)).toContain('<td class="req-user">carol</td>');
    expect(row(3000)).not.toContain('slow');
    expect(row(3001)).toContain('<td class="req-ack slow">3001 ms</td>');
    expect(row(3001)).toContain('class="req req-slow"');
    expect(row(5, 0)).toContain('<td class="req-status">ERR</td>');
  });

  it('orders the request log by when each request was sent, not when its answer came back', () => {
    // id is the order answers came back in: the slow command (sent first, at 1000) was recorded last.
    const log = [
      { id: 1, at: 1200 },
      { id: 2, at: 1300 },
      { id: 3, at: 1000 },
      { id: 4, at: 1300 },
    ];
    expect(surfaces.newestFirst(log).map((r) => r.id)).toEqual([4, 2, 1, 3]);
    expect(log.map((r) => r.id)).toEqual([1, 2, 3, 4]);
  });
});

describe('modal values in Slack’s state.values shape', () => {
  const select = {
    type: 'static_select',
    action_id: 'env',
    options: [{ text: plain('Prod'), value: 'prod' }],
    option_groups: [{ label: plain('Other'), options: [{ text: plain('Dev'), value: 'dev' }] }],
  };

  it('maps each element type', () => {
    expect(values.stateValue({ type: 'plain_text_input' }, 'hi')).toEqual({ type: 'plain_text_input', value: 'hi' });
    expect(values.stateValue({ type: 'plain_text_input' }, null)).toEqual({ type: 'plain_text_input', value: null });
    expect(values.stateValue(select, 'dev')).toEqual({
      type: 'static_select',
      selected_option: { text: plain('Dev'), value: 'dev' },
    });
    expect(values.stateValue({ ...select, type: 'checkboxes' }, ['prod', 'nope'])).toEqual({
      type: 'checkboxes',
      selected_options: [{ text: plain('Prod'), value: 'prod' }],
    });
    expect(values.stateValue({ type: 'datepicker' }, '2025-02-01')).toEqual({
      type: 'datepicker',
      selected_date: '2025-02-01',
    });
    expect(values.stateValue({ type: 'users_select' }, 'U0CAROL')).toEqual({
      type: 'users_select',
      selected_user: 'U0CAROL',
    });
  });

  it('builds values for input blocks only and puts state back as initial values', () => {
    const blocks = [
      { type: 'section', text: plain('x') },
      { type: 'input', block_id: 'env', label: plain('Env'), element: select },
    ];
    const state = values.stateValues(blocks, { env: 'prod' });
    expect(state).toEqual({
      env: { env: { type: 'static_select', selected_option: { text: plain('Prod'), value: 'prod' } } },
    });
    const shown = values.applyState(blocks, state);
    expect(shown[1]?.element?.initial_option).toEqual({ text: plain('Prod'), value: 'prod' });
    expect(shown[0]).toBe(blocks[0]);
  });
});
