// @ts-check
/**
 * The page's overlays: the confirm dialog Slack shows before a click with a `confirm` object, and the open modal
 * (top of the user's stack). DOM code; the HTML itself comes from surfaces.js.
 */
import { renderConfirm, renderModal } from './surfaces.js';
import { applyState, stateValues } from './values.js';

/** @typedef {import('./mrkdwn.js').RenderContext} RenderContext */
/** @typedef {import('./surfaces.js').UiView} UiView */

/** @param {string} id */
function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/**
 * Shows the confirm dialog; resolves true only on its confirm button (deny, Escape and a click outside deny).
 * @param {unknown} confirm @param {RenderContext} ctx @returns {Promise<boolean>}
 */
export function askConfirm(confirm, ctx) {
  const root = byId('confirm-root');
  root.innerHTML = renderConfirm(confirm, ctx);
  root.hidden = false;
  /** @type {HTMLButtonElement | null} */ (root.querySelector('[data-confirm-answer="confirm"]'))?.focus();
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const done = (answer) => {
      root.hidden = true;
      root.innerHTML = '';
      root.removeEventListener('click', onClick);
      document.removeEventListener('keydown', onKey, true);
      resolve(answer);
    };
    /** @param {MouseEvent} e */
    const onClick = (e) => {
      const target = /** @type {HTMLElement} */ (e.target);
      const answer = target.closest('[data-confirm-answer]')?.getAttribute('data-confirm-answer');
      if (answer) done(answer === 'confirm');
      else if (target === root) done(false);
    };
    /** @param {KeyboardEvent} e */
    const onKey = (e) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      done(false);
    };
    root.addEventListener('click', onClick);
    document.addEventListener('keydown', onKey, true);
  });
}

/**
 * Renders the top modal of the stack (or hides the overlay). Inputs show the view's current state, so what was
 * typed survives an errors ack or a views.update.
 * @param {UiView[]} modals @param {RenderContext} ctx
 */
export function showModals(modals, ctx) {
  const root = byId('modal-root');
  const top = modals[modals.length - 1];
  if (!top) {
    root.hidden = true;
    root.innerHTML = '';
    return;
  }
  const values = top.view.state?.values;
  const view = { ...top, view: { ...top.view, blocks: applyState(top.view.blocks, values) } };
  root.innerHTML = renderModal(view, ctx, { canGoBack: modals.length > 1 });
  root.hidden = false;
  const first = /** @type {HTMLElement | null} */ (root.querySelector('.has-error [data-input], [data-input]'));
  first?.focus();
}

/** What an element holds, as the strings stateValue() takes. @param {Element} el @returns {string | string[] | null} */
function read(el) {
  if (el instanceof HTMLSelectElement) {
    if (el.multiple) return [...el.selectedOptions].map((o) => o.value);
    return el.value || null;
  }
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) return el.value === '' ? null : el.value;
  const checked = [...el.querySelectorAll('input:checked')].map((i) => /** @type {HTMLInputElement} */ (i).value);
  return el.getAttribute('data-input') === 'checkboxes' ? checked : (checked[0] ?? null);
}

/**
 * The modal's inputs in Slack's `state.values` shape.
 * @param {Element} root @param {unknown} blocks
 */
export function readValues(root, blocks) {
  /** @type {Record<string, string | string[] | null>} */
  const reads = {};
  for (const el of root.querySelectorAll('[data-input]')) {
    const blockId = el.getAttribute('data-block-id');
    if (blockId) reads[blockId] = read(el);
  }
  return stateValues(blocks, reads);
}
