// @ts-check
/**
 * The local workspace page: loads the signed-in user's snapshot, keeps it live through the SSE stream and turns
 * clicks, selects, modal submits and composer lines into the workspace's POST routes (which sign them for Opsdeck).
 */
import { loadDemoPanel } from './demo.js';
import { askConfirm, readValues } from './dialogs.js';
import { openStream } from './live.js';
import { setEmoji } from './mrkdwn.js';
import { $, ctx, HOME, post, report, snap, store } from './store.js';
import { renderAll, renderChannel, renderSidebar, updateInPlace } from './view.js';

async function load() {
  // The previous user's stream must not touch the next user's snapshot while it loads.
  store.stream?.close();
  store.stream = null;
  const saved = localStorage.getItem('opsdeck.user');
  let res = await fetch(`/workspace/state${saved ? `?user=${encodeURIComponent(saved)}` : ''}`);
  if (!res.ok) res = await fetch('/workspace/state');
  store.snap = await res.json();
  const s = snap();
  localStorage.setItem('opsdeck.user', s.self);
  const visible = s.channels.some((c) => c.id === store.channelId) || store.channelId === HOME;
  if (!visible) store.channelId = s.channels.find((c) => !c.isIm)?.id ?? '';
  renderAll();
  // Slack sends app_home_opened each time a person opens the Home tab: after a switch or a reload on Home, too. Only
  // once the stream is connected, or the request-log row and the published Home could arrive before it and be lost.
  openStream(load, async () => {
    // What changed between the snapshot and the stream's first event would be lost: read the state once more now
    // that nothing can be missed, and draw it (the stream stays open). An event that arrives while it is on its way
    // may be newer than it: it is applied again to the fresh snapshot, or a message posted meanwhile would vanish.
    /** @type {Array<() => void>} */
    const replay = [];
    store.replay = replay;
    const fresh = await fetch(`/workspace/state?user=${encodeURIComponent(s.self)}`).catch(() => null);
    const body = fresh?.ok ? await fresh.json().catch(() => null) : null;
    if (store.replay === replay) store.replay = null;
    if (body && snap().self === s.self) {
      store.snap = body;
      for (const apply of replay) apply();
      renderAll();
    }
    if (store.channelId === HOME) homeOpened();
  });
}

/** Tells the app that the signed-in user opened its Home tab; the app answers with views.publish for them. */
function homeOpened() {
  post('/workspace/home-opened', { userId: snap().self }).then((r) => report('Home tab', r));
}

/** @param {string} channelId */
function navigate(channelId) {
  store.channelId = channelId;
  store.unread.delete(channelId);
  localStorage.setItem('opsdeck.channel', channelId);
  renderSidebar();
  renderChannel();
  if (channelId === HOME) homeOpened();
  else $('composer-input').focus();
}

/**
 * A click or choice on an interactive element → block_actions. Elements with `confirm` ask first, as Slack does.
 * @param {HTMLElement} el @param {{ value?: string, selectedOption?: { value: string, text?: string } }} extra
 */
async function act(el, extra) {
  const confirm = el.dataset.confirm ? JSON.parse(el.dataset.confirm) : null;
  if (confirm && !(await askConfirm(confirm, ctx()))) return;
  if (el.dataset.url) window.open(el.dataset.url, '_blank', 'noopener');
  /** @type {Record<string, unknown>} */
  const body = { userId: snap().self, actionId: el.dataset.actionId, blockId: el.dataset.blockId, ...extra };
  const viewEl = /** @type {HTMLElement | null} */ (el.closest('[data-view-id]'));
  const message = /** @type {HTMLElement | null} */ (el.closest('article.msg'));
  if (viewEl) {
    const id = viewEl.dataset.viewId;
    const view = [...snap().modals, snap().home].find((v) => v?.id === id);
    Object.assign(body, { viewId: id, values: readValues(viewEl, view?.view.blocks) });
  } else if (message) Object.assign(body, { channelId: message.dataset.channel, messageTs: message.dataset.ts });
  el.classList.add('busy');
  const r = await post('/workspace/action', body);
  el.classList.remove('busy');
  report(el.textContent?.trim() || 'Action', r);
}

document.addEventListener('click', (e) => {
  const target = /** @type {HTMLElement} */ (e.target);
  const nav = /** @type {HTMLElement | null} */ (target.closest('[data-nav]'));
  if (nav) return navigate(nav.dataset.nav ?? '');
  const toggle = /** @type {HTMLElement | null} */ (target.closest('.thread-toggle'));
  if (toggle) {
    const ts = toggle.dataset.thread ?? '';
    if (!store.openThreads.delete(ts)) store.openThreads.add(ts);
    const m = (snap().messages[store.channelId] ?? []).find((x) => x.ts === ts);
    return m && updateInPlace(m);
  }
  const messageAction = /** @type {HTMLElement | null} */ (target.closest('[data-msg-action]'));
  if (messageAction) return void onMessage(messageAction);
  const control = /** @type {HTMLElement | null} */ (target.closest('[data-modal]'));
  if (control) return modalControl(control);
  const button = /** @type {HTMLElement | null} */ (target.closest('button[data-type="button"]'));
  if (button) return void act(button, {});
  const item = /** @type {HTMLElement | null} */ (target.closest('.bk-menu-item'));
  if (item) {
    item.closest('details')?.removeAttribute('open');
    act(item, { selectedOption: { value: item.dataset.optionValue ?? '', text: item.dataset.optionText } });
  }
});

/**
 * A person's action from a message's hover menu: pin it, react to it, or use one of the app's message shortcuts
 * (Opsdeck gets pin_added / reaction_added / message_action, as from Slack).
 * @param {HTMLElement} el
 */
async function onMessage(el) {
  const message = /** @type {HTMLElement} */ (el.closest('article.msg'));
  el.closest('details')?.removeAttribute('open');
  const ref = { userId: snap().self, channelId: message.dataset.channel, ts: message.dataset.ts };
  const kind = el.dataset.msgAction;
  el.classList.add('busy');
  const r =
    kind === 'pin'
      ? await post('/workspace/pin', ref)
      : kind === 'react'
        ? await post('/workspace/react', { ...ref, name: el.dataset.reaction })
        : await post('/workspace/message-shortcut', { ...ref, callbackId: el.dataset.callbackId });
  el.classList.remove('busy');
  report(kind === 'shortcut' ? el.textContent?.trim() || 'Shortcut' : kind === 'pin' ? 'Pin' : 'Reaction', r);
}

document.addEventListener('change', (e) => {
  const target = /** @type {HTMLElement} */ (e.target);
  if (target.id === 'user-switcher') {
    localStorage.setItem('opsdeck.user', /** @type {HTMLSelectElement} */ (target).value);
    return void load();
  }
  const el = /** @type {HTMLElement | null} */ (target.closest('[data-type]'));
  if (!el || el.dataset.type === 'button') return;
  if (target instanceof HTMLSelectElement) {
    const option = target.selectedOptions[0];
    return void act(target, { selectedOption: { value: target.value, text: option?.textContent ?? undefined } });
  }
  const input = /** @type {HTMLInputElement} */ (target);
  if (el.dataset.type === 'radio_buttons') act(el, { selectedOption: { value: input.value } });
  else act(el, { value: input.value });
});

/** @param {HTMLElement} control */
async function modalControl(control) {
  const form = /** @type {HTMLElement} */ (control.closest('[data-view-id]'));
  const viewId = form.dataset.viewId;
  const kind = control.dataset.modal;
  if (kind === 'submit') return;
  const r = await post('/workspace/view-close', {
    userId: snap().self,
    viewId,
    all: kind === 'close-all' || snap().modals.length === 1,
  });
  if (!r.ok) report('Close', r);
}

$('modal-root').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = /** @type {HTMLFormElement} */ (e.target);
  const viewId = form.dataset.viewId;
  const view = snap().modals.find((v) => v.id === viewId);
  const r = await post('/workspace/view-submission', {
    userId: snap().self,
    viewId,
    values: readValues(form, view?.view.blocks),
  });
  report('Submit', r);
});

document.addEventListener('keydown', (e) => {
  const top = snap()?.modals.at(-1);
  if (e.key === 'Escape' && top && !$('modal-root').hidden)
    post('/workspace/view-close', { userId: snap().self, viewId: top.id });
});

const input = /** @type {HTMLTextAreaElement} */ ($('composer-input'));
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey) {
    e.preventDefault();
    /** @type {HTMLFormElement} */ ($('composer')).requestSubmit();
  } else if (e.key === 'ArrowUp' && !input.value && store.history.length) {
    e.preventDefault();
    input.value = store.history[store.history.length - 1] ?? '';
  }
});

$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || store.channelId === HOME) return;
  input.value = '';
  store.history.push(text);
  const body = { userId: snap().self, channelId: store.channelId, text };
  const isCommand = text.startsWith('/');
  const r = await post(isCommand ? '/workspace/command' : '/workspace/message', body);
  report(isCommand ? (text.split(/\s/)[0] ?? text) : 'Message', r);
});

$('toggle-log').addEventListener('click', () => {
  const hidden = document.body.classList.toggle('log-hidden');
  $('toggle-log').setAttribute('aria-pressed', String(!hidden));
});

/** True when the browser draws a colour emoji (a missing font draws a monochrome box). */
function emojiSupported() {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 20;
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) return true;
  g.textBaseline = 'top';
  g.font = '16px "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", sans-serif';
  g.fillText('\u{1F3D3}', 0, 0);
  const d = g.getImageData(0, 0, 20, 20).data;
  for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2])) return true;
  return false;
}

document.body.classList.toggle('no-emoji', !emojiSupported());
// Emoji names first, so the first render already shows them; without them the page still works, with shortcodes.
fetch('/page/emoji.json')
  .then((res) => (res.ok ? res.json() : {}))
  .catch(() => ({}))
  .then(setEmoji)
  .finally(load);
loadDemoPanel(navigate);
