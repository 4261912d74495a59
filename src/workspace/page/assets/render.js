// @ts-check
/**
 * The Block Kit renderer: block and element JSON to HTML strings. Pure (no DOM, no globals), so Node tests import it
 * as the browser does. Interactive elements carry data attributes (`data-action-id`, `data-block-id`, `data-type`,
 * `data-value`, `data-confirm`) that app.js turns into block_actions; inputs in views carry `data-input` instead and
 * are read on submit. Anything unknown renders as a visible placeholder rather than failing the whole message.
 */
import { escapeHtml, mrkdwn, plainOf, renderText, safeUrl } from './mrkdwn.js';

export { escapeHtml, mrkdwn, plainOf, renderText, safeUrl, setEmoji } from './mrkdwn.js';

/** @typedef {import('./mrkdwn.js').RenderContext} RenderContext */
/** @typedef {{ errors?: Record<string, string> }} BlockOptions */
/** @typedef {'action' | 'input'} Mode */

/** @param {string} what @param {unknown} type */
export function unsupported(what, type) {
  return `<div class="bk-unsupported">unsupported ${what}: ${escapeHtml(type ?? 'unknown')}</div>`;
}

/** Attributes that tie an element to its block; `action` elements fire on use, `input` ones are read on submit. */
/** @param {any} el @param {string} blockId @param {Mode} mode */
function ids(el, blockId, mode) {
  const marker = mode === 'input' ? ` data-input="${escapeHtml(el.type)}"` : ` data-type="${escapeHtml(el.type)}"`;
  return ` data-action-id="${escapeHtml(el.action_id ?? '')}" data-block-id="${escapeHtml(blockId)}"${marker}`;
}

/** @param {any} confirm */
function confirmAttr(confirm) {
  return confirm && typeof confirm === 'object' ? ` data-confirm="${escapeHtml(JSON.stringify(confirm))}"` : '';
}

/** @param {any} el @param {string} blockId @param {RenderContext} ctx */
export function renderButton(el, blockId, ctx) {
  const style = el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : '';
  const value = el.value === undefined ? '' : ` data-value="${escapeHtml(el.value)}"`;
  const url = el.url && safeUrl(el.url) ? ` data-url="${escapeHtml(el.url)}"` : '';
  return `<button type="button" class="bk-button${style}"${ids(el, blockId, 'action')}${value}${url}${confirmAttr(
    el.confirm,
  )}>${renderText(el.text, ctx)}</button>`;
}

/** An image as a link to it (the page loads nothing from elsewhere). @param {any} el @param {string} cls */
export function renderImageLink(el, cls) {
  const alt = escapeHtml(el.alt_text || 'image');
  const href = safeUrl(String(el.image_url ?? ''));
  if (!href) return `<span class="${cls}">🖼 ${alt}</span>`;
  return `<a class="${cls}" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer" title="${alt}">🖼 ${alt}</a>`;
}

/** @param {any} o @param {string[]} selected */
function optionTag(o, selected) {
  const value = String(o.value ?? '');
  const sel = selected.includes(value) ? ' selected' : '';
  return `<option value="${escapeHtml(value)}"${sel}>${escapeHtml(plainOf(o.text))}</option>`;
}

/** @param {any} el @returns {string[]} */
function initialValues(el) {
  if (el.initial_option) return [String(el.initial_option.value)];
  if (Array.isArray(el.initial_options)) return el.initial_options.map((/** @type {any} */ o) => String(o.value));
  for (const key of ['initial_user', 'initial_conversation', 'initial_channel']) if (el[key]) return [String(el[key])];
  for (const key of ['initial_users', 'initial_conversations', 'initial_channels']) {
    if (Array.isArray(el[key])) return el[key].map(String);
  }
  return [];
}

/** Options of a select: its own, from option groups, or the workspace's users/channels for those pickers. */
/** @param {any} el @param {RenderContext} ctx @param {string[]} selected */
function selectOptions(el, ctx, selected) {
  const type = String(el.type);
  /** @param {Record<string, string>} map @param {string} prefix */
  const fromMap = (map, prefix) =>
    Object.entries(map)
      .map(([id, name]) => optionTag({ value: id, text: `${prefix}${name}` }, selected))
      .join('');
  if (type.includes('users')) {
    // People only: pickers choose someone to act (a commander, a role), which Slackbot and bots never are.
    const people = Object.entries(ctx.users).filter(([id]) => id !== 'USLACKBOT' && !ctx.bots?.[id]);
    return fromMap(Object.fromEntries(people), '@');
  }
  if (type.includes('conversations') || type.includes('channels')) return fromMap(ctx.channels, '#');
  const groups = Array.isArray(el.option_groups) ? el.option_groups : [];
  const grouped = groups
    .map(
      (/** @type {any} */ g) =>
        `<optgroup label="${escapeHtml(plainOf(g.label))}">${(g.options ?? []).map((/** @type {any} */ o) => optionTag(o, selected)).join('')}</optgroup>`,
    )
    .join('');
  return (el.options ?? []).map((/** @type {any} */ o) => optionTag(o, selected)).join('') + grouped;
}

/** @param {any} el @param {string} blockId @param {RenderContext} ctx @param {Mode} mode */
function renderSelect(el, blockId, ctx, mode) {
  const selected = initialValues(el);
  const multiple = String(el.type).startsWith('multi_');
  const placeholder = multiple
    ? ''
    : `<option value="" disabled${selected.length ? '' : ' selected'}>${escapeHtml(plainOf(el.placeholder) || 'Select an item')}</option>`;
  return `<select class="bk-select"${multiple ? ' multiple' : ''}${ids(el, blockId, mode)}${confirmAttr(el.confirm)}>${placeholder}${selectOptions(el, ctx, selected)}</select>`;
}

/** @param {any} el @param {string} blockId @param {RenderContext} ctx */
function renderOverflow(el, blockId, ctx) {
  const items = (el.options ?? [])
    .map(
      (/** @type {any} */ o) =>
        `<button type="button" class="bk-menu-item"${ids(el, blockId, 'action')} data-option-value="${escapeHtml(o.value ?? '')}" data-option-text="${escapeHtml(plainOf(o.text))}"${confirmAttr(el.confirm)}>${renderText(o.text, ctx)}</button>`,
    )
    .join('');
  return `<details class="bk-overflow"><summary class="bk-overflow-toggle" aria-label="More actions">⋯</summary><div class="bk-menu">${items}</div></details>`;
}

/** Checkboxes and radio buttons share a shape; radio names group by block and action. */
/** @param {any} el @param {string} blockId @param {RenderContext} ctx @param {Mode} mode */
function renderChoices(el, blockId, ctx, mode) {
  const kind = el.type === 'checkboxes' ? 'checkbox' : 'radio';
  const selected = initialValues(el);
  const name = escapeHtml(`${blockId}.${el.action_id ?? ''}`);
  const items = (el.options ?? [])
    .map((/** @type {any} */ o) => {
      const value = String(o.value ?? '');
      const checked = selected.includes(value) ? ' checked' : '';
      const description = o.description ? `<span class="bk-choice-desc">${renderText(o.description, ctx)}</span>` : '';
      return `<label class="bk-choice"><input type="${kind}" name="${name}" value="${escapeHtml(value)}"${checked}><span>${renderText(o.text, ctx)}${description}</span></label>`;
    })
    .join('');
  return `<div class="bk-choices"${ids(el, blockId, mode)}>${items}</div>`;
}

/** Text-like inputs: the browser's own date/time/number/email/url fields stand in for Slack's pickers. */
/** @param {any} el @param {string} blockId @param {Mode} mode */
function renderTextInput(el, blockId, mode) {
  const placeholder = el.placeholder ? ` placeholder="${escapeHtml(plainOf(el.placeholder))}"` : '';
  const attrs = `class="bk-text-input"${ids(el, blockId, mode)}${placeholder}`;
  if (el.type === 'plain_text_input' && el.multiline) {
    return `<textarea ${attrs} rows="4">${escapeHtml(el.initial_value ?? '')}</textarea>`;
  }
  /** @type {Record<string, [string, string]>} */
  const kinds = {
    plain_text_input: ['text', 'initial_value'],
    number_input: ['number', 'initial_value'],
    email_text_input: ['email', 'initial_value'],
    url_text_input: ['url', 'initial_value'],
    datepicker: ['date', 'initial_date'],
    timepicker: ['time', 'initial_time'],
  };
  const [type, initial] = kinds[el.type] ?? ['text', 'initial_value'];
  const value = el[initial] === undefined ? '' : ` value="${escapeHtml(el[initial])}"`;
  const limits = el.max_length ? ` maxlength="${Number(el.max_length)}"` : '';
  return `<input type="${type}" ${attrs}${value}${limits}>`;
}

/**
 * One element of a section accessory, an actions/context block or an input block.
 * @param {any} el @param {string} blockId @param {RenderContext} ctx @param {Mode} [mode]
 */
export function renderElement(el, blockId, ctx, mode = 'action') {
  if (!el || typeof el !== 'object') return unsupported('element', typeof el);
  switch (el.type) {
    case 'button':
      return renderButton(el, blockId, ctx);
    case 'image':
      return renderImageLink(el, 'bk-image-link');
    case 'overflow':
      return renderOverflow(el, blockId, ctx);
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_static_select':
    case 'multi_external_select':
    case 'multi_users_select':
    case 'multi_conversations_select':
    case 'multi_channels_select':
      return renderSelect(el, blockId, ctx, mode);
    case 'checkboxes':
    case 'radio_buttons':
      return renderChoices(el, blockId, ctx, mode);
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'datepicker':
    case 'timepicker':
      return renderTextInput(el, blockId, mode);
    default:
      return unsupported('element', el.type);
  }
}

/** @param {any} block @param {RenderContext} ctx @param {BlockOptions} opts */
function renderInputBlock(block, ctx, opts) {
  const blockId = String(block.block_id ?? '');
  const error = opts.errors?.[blockId];
  const optional = block.optional ? ' <span class="bk-optional">(optional)</span>' : '';
  const hint = block.hint ? `<div class="bk-hint">${renderText(block.hint, ctx)}</div>` : '';
  const errorHtml = error ? `<div class="bk-error" role="alert">${escapeHtml(error)}</div>` : '';
  return `<div class="bk-input${error ? ' has-error' : ''}" data-block-id="${escapeHtml(blockId)}"><label class="bk-label">${renderText(block.label, ctx)}${optional}</label>${renderElement(block.element, blockId, ctx, 'input')}${hint}${errorHtml}</div>`;
}

/** Rich text (what Slack's own composer sends), reduced to its text, links and mentions. */
/** @param {any} el @param {RenderContext} ctx @returns {string} */
function richText(el, ctx) {
  if (!el || typeof el !== 'object') return '';
  const inner = () => (el.elements ?? []).map((/** @type {any} */ e) => richText(e, ctx)).join('');
  switch (el.type) {
    case 'text': {
      let html = escapeHtml(el.text).replace(/\n/g, '<br>');
      if (el.style?.code) html = `<code class="md-code">${html}</code>`;
      if (el.style?.bold) html = `<strong>${html}</strong>`;
      if (el.style?.italic) html = `<em>${html}</em>`;
      if (el.style?.strike) html = `<del>${html}</del>`;
      return html;
    }
    case 'link':
      return mrkdwn(`<${el.url}|${el.text ?? el.url}>`, ctx);
    case 'user':
      return mrkdwn(`<@${el.user_id}>`, ctx);
    case 'channel':
      return mrkdwn(`<#${el.channel_id}>`, ctx);
    case 'emoji':
      return mrkdwn(`:${el.name}:`, ctx);
    case 'rich_text_preformatted':
      return `<pre class="md-pre">${inner()}</pre>`;
    case 'rich_text_quote':
      return `<blockquote class="md-quote">${inner()}</blockquote>`;
    case 'rich_text_list': {
      const tag = el.style === 'ordered' ? 'ol' : 'ul';
      return `<${tag}>${(el.elements ?? []).map((/** @type {any} */ e) => `<li>${richText(e, ctx)}</li>`).join('')}</${tag}>`;
    }
    default:
      return inner();
  }
}

/** @param {any} block @param {RenderContext} ctx @param {BlockOptions} opts */
export function renderBlock(block, ctx, opts = {}) {
  if (!block || typeof block !== 'object') return unsupported('block', typeof block);
  const blockId = String(block.block_id ?? '');
  const idAttr = ` data-block-id="${escapeHtml(blockId)}"`;
  switch (block.type) {
    case 'header':
      return `<div class="bk-header"${idAttr}>${renderText(block.text, ctx)}</div>`;
    case 'section': {
      const text = block.text ? `<div class="bk-text">${renderText(block.text, ctx)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="bk-fields">${block.fields.map((/** @type {any} */ f) => `<div class="bk-field">${renderText(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory
        ? `<div class="bk-accessory">${renderElement(block.accessory, blockId, ctx)}</div>`
        : '';
      return `<div class="bk-section"${idAttr}><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context': {
      const items = (block.elements ?? []).map((/** @type {any} */ e) =>
        e?.type === 'image' ? renderImageLink(e, 'bk-image-link') : `<span>${renderText(e, ctx)}</span>`,
      );
      return `<div class="bk-context"${idAttr}>${items.join('')}</div>`;
    }
    case 'divider':
      return `<hr class="bk-divider"${idAttr}>`;
    case 'actions':
      return `<div class="bk-actions"${idAttr}>${(block.elements ?? []).map((/** @type {any} */ e) => renderElement(e, blockId, ctx)).join('')}</div>`;
    case 'image': {
      const title = block.title ? `<div class="bk-image-title">${renderText(block.title, ctx)}</div>` : '';
      return `<div class="bk-image"${idAttr}>${title}${renderImageLink(block, 'bk-image-link')}</div>`;
    }
    case 'input':
      return renderInputBlock(block, ctx, opts);
    case 'rich_text':
      return `<div class="bk-rich-text"${idAttr}>${richText(block, ctx)}</div>`;
    default:
      return unsupported('block', block.type);
  }
}

/**
 * A list of blocks. One bad block becomes a placeholder; the rest still render.
 * @param {unknown} blocks @param {RenderContext} ctx @param {BlockOptions} [opts]
 */
export function renderBlocks(blocks, ctx, opts = {}) {
  if (!Array.isArray(blocks)) return '';
  return blocks
    .map((block) => {
      try {
        return renderBlock(block, ctx, opts);
      } catch {
        return unsupported('block', block?.type);
      }
    })
    .join('');
}
