// @ts-check
/** Rendering the page from the store: user switcher, sidebar, channel or Home tab, request log and modals. */
import { showModals } from './dialogs.js';
import { escapeHtml } from './render.js';
import { $, ctx, HOME, snap, store } from './store.js';
import { ICONS, newestFirst, renderHome, renderMessage, renderRequestRow } from './surfaces.js';

/** @typedef {import('./surfaces.js').UiMessage} UiMessage */
/** @typedef {import('./store.js').Snapshot} Snapshot */

export function renderAll() {
  const s = snap();
  $('user-switcher').innerHTML = s.users
    .filter((u) => !u.isBot)
    .map(
      (u) =>
        `<option value="${escapeHtml(u.id)}"${u.id === s.self ? ' selected' : ''}>${escapeHtml(u.realName === u.name ? u.name : `${u.realName} · ${u.name}`)}</option>`,
    )
    .join('');
  renderSidebar();
  renderChannel();
  renderRequestLog();
  showModals(s.modals, ctx());
}

/** The request log, newest first by send time (see {@link newestFirst}). */
export function renderRequestLog() {
  $('request-log').innerHTML = newestFirst(snap().requests)
    .map((r) => renderRequestRow(r, ctx()))
    .join('');
}

export function renderSidebar() {
  const s = snap();
  const item = (/** @type {Snapshot['channels'][number]} */ c) => {
    const other = c.members.find((m) => m !== s.self) ?? c.id;
    const label = c.isIm
      ? `● ${escapeHtml(ctx().users[other] ?? other)}`
      : `${c.isPrivate ? ICONS.lock : '#'} ${escapeHtml(c.name)}`;
    const cls = `side-item${c.id === store.channelId ? ' active' : ''}${store.unread.has(c.id) ? ' unread' : ''}`;
    return `<li><button type="button" class="${cls}" data-nav="${escapeHtml(c.id)}">${label}</button></li>`;
  };
  $('channel-list').innerHTML = s.channels
    .filter((c) => !c.isIm)
    .map(item)
    .join('');
  $('dm-list').innerHTML = s.channels
    .filter((c) => c.isIm)
    .map(item)
    .join('');
  $('home-link').classList.toggle('active', store.channelId === HOME);
}

/** @param {string} channelId */
export function messagesOf(channelId) {
  const all = snap().messages[channelId] ?? [];
  /** @type {Map<string, UiMessage[]>} */
  const replies = new Map();
  for (const m of all)
    if (m.threadTs && m.threadTs !== m.ts) replies.set(m.threadTs, [...(replies.get(m.threadTs) ?? []), m]);
  const top = all.filter((m) => !m.threadTs || m.threadTs === m.ts);
  return { top, replies };
}

/** @param {UiMessage} m @param {Map<string, UiMessage[]>} replies */
function messageHtml(m, replies) {
  return renderMessage(m, ctx(), { replies: replies.get(m.ts) ?? [], threadOpen: store.openThreads.has(m.ts) });
}

export function renderChannel() {
  const pane = $('messages');
  const input = /** @type {HTMLTextAreaElement} */ ($('composer-input'));
  // The Home tab has no composer in Slack: nothing typed there could go anywhere.
  $('composer').hidden = store.channelId === HOME;
  if (store.channelId === HOME) {
    $('channel-title').textContent = 'Opsdeck';
    $('channel-topic').textContent = 'Home';
    pane.innerHTML = renderHome(snap().home, ctx());
    return;
  }
  const channel = snap().channels.find((c) => c.id === store.channelId);
  $('channel-title').textContent = channel
    ? channel.isIm
      ? (ctx().users[channel.members.find((m) => m !== snap().self) ?? ''] ?? channel.id)
      : `# ${channel.name}`
    : '';
  $('channel-topic').textContent = channel?.topic ?? '';
  input.placeholder = channel
    ? `Message ${channel.isIm ? '' : '#'}${channel.isIm ? 'the app' : channel.name}, or /ops help`
    : '';
  const { top, replies } = messagesOf(store.channelId);
  pane.innerHTML = top.length
    ? top.map((m) => messageHtml(m, replies)).join('')
    : '<div class="empty">No messages yet. Try <code>/ops help</code>.</div>';
  pane.scrollTop = pane.scrollHeight;
}

/** Replaces one message's element in place (an edit must not re-render, and so reset, the whole channel). @param {UiMessage} m */
export function updateInPlace(m) {
  const el = document.querySelector(
    `article.msg[data-channel="${CSS.escape(m.channel)}"][data-ts="${CSS.escape(m.ts)}"]`,
  );
  if (!el) return renderChannel();
  el.outerHTML = messageHtml(m, messagesOf(m.channel).replies);
}
