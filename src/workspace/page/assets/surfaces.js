// @ts-check
/**
 * The chrome around Block Kit: messages (author, time, "(edited)", "Only visible to you", threads), legacy
 * attachments, modals, confirm dialogs, the Home tab and request-log rows. Pure, like render.js.
 */
import { escapeHtml, mrkdwn, renderBlocks, renderText, safeUrl } from './render.js';

/** @typedef {import('./mrkdwn.js').RenderContext} RenderContext */
/**
 * @typedef {{ id: string, name: string, title: string, mimetype: string, size: number, url: string }} UiFile
 * @typedef {{ channel: string, ts: string, user: string, botId?: string, text: string, blocks?: unknown[],
 *   attachments?: unknown[], threadTs?: string, replyCount?: number, edited?: { user: string, ts: string },
 *   ephemeral: boolean, pinned?: boolean, files?: UiFile[],
 *   reactions?: Array<{ name: string, count: number, users?: string[] }> }} UiMessage
 * @typedef {{ name: string, callbackId: string, description: string }} MessageShortcut
 * @typedef {{ id: string, type: string, view: Record<string, any>, errors?: Record<string, string> }} UiView
 * @typedef {{ id: number, at: number, kind: string, userId?: string, summary: string, status: number,
 *   ackMs: number, error?: string }} RequestSummary
 */

/** Inline icons: the page must look the same with or without an emoji font. */
export const ICONS = {
  eye: '<svg class="icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M10 4C5.5 4 2.3 7.1 1 10c1.3 2.9 4.5 6 9 6s7.7-3.1 9-6c-1.3-2.9-4.5-6-9-6zm0 10a4 4 0 1 1 0-8 4 4 0 0 1 0 8zm0-6a2 2 0 1 0 0 4 2 2 0 0 0 0-4z"/></svg>',
  pin: '<svg class="icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M12.6 2.3 17.7 7.4l-1.4 1.4-.7-.7-3.2 3.2.3 3.5-1.4 1.4-3-3-4 4H3v-1.3l4-4-3-3 1.4-1.4 3.5.3 3.2-3.2-.7-.7z"/></svg>',
  file: '<svg class="icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M5 2h7l4 4v11a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V3a1 1 0 0 1 1-1zm6 1.5V7h3.5z"/></svg>',
  lock: '<svg class="icon" viewBox="0 0 20 20" aria-hidden="true"><path fill="currentColor" d="M6 8V6a4 4 0 1 1 8 0v2h1a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1h1zm2 0h4V6a2 2 0 1 0-4 0v2z"/></svg>',
};

/** The reactions a person can add from a message's hover menu (shortcodes the page draws). */
export const QUICK_REACTIONS = ['white_check_mark', 'eyes', '+1', 'rotating_light'];

/** `1.2 KB` from a byte count. @param {number} bytes */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Files shared with a message: name and size, opening the content the workspace serves. @param {UiFile[] | undefined} files */
export function renderFiles(files) {
  if (!files?.length) return '';
  const items = files.map((f) => {
    const url = escapeHtml(f.url);
    const label =
      f.title && f.title !== f.name
        ? `${escapeHtml(f.title)} <span class="file-name">${escapeHtml(f.name)}</span>`
        : escapeHtml(f.name);
    return `<div class="msg-file" data-file-id="${escapeHtml(f.id)}">${ICONS.file}<a class="file-open" href="${url}" target="_blank" rel="noopener">${label}</a><span class="file-meta">${escapeHtml(f.mimetype)} · ${formatSize(f.size)}</span><a class="file-download" href="${url}&amp;download=1" download="${escapeHtml(f.name)}">Download</a></div>`;
  });
  return `<div class="msg-files">${items.join('')}</div>`;
}

/**
 * A message's hover menu, as in Slack's client: quick reactions, pin, and the app's message shortcuts under "More
 * actions". Ephemeral messages have none.
 * @param {UiMessage} m @param {RenderContext & { self?: string, shortcuts?: MessageShortcut[] }} ctx
 */
export function renderMessageActions(m, ctx) {
  if (m.ephemeral) return '';
  // Slack's quick reactions leave out what this person already added.
  const mine = new Set((m.reactions ?? []).filter((r) => r.users?.includes(ctx.self ?? '')).map((r) => r.name));
  const reactions = QUICK_REACTIONS.filter((name) => !mine.has(name)).map(
    (name) =>
      `<button type="button" class="msg-action" data-msg-action="react" data-reaction="${escapeHtml(name)}" title="React with :${escapeHtml(name)}:" aria-label="React with ${escapeHtml(name)}">${mrkdwn(`:${name}:`, ctx)}</button>`,
  );
  const pin = m.pinned
    ? ''
    : `<button type="button" class="msg-action" data-msg-action="pin" title="Pin to this conversation" aria-label="Pin to this conversation">${ICONS.pin}</button>`;
  const shortcuts = ctx.shortcuts ?? [];
  const more = shortcuts.length
    ? `<details class="msg-more"><summary class="msg-action" title="More actions" aria-label="More actions">⋮</summary><div class="bk-menu">${shortcuts
        .map(
          (sc) =>
            `<button type="button" class="bk-menu-item" data-msg-action="shortcut" data-callback-id="${escapeHtml(sc.callbackId)}" title="${escapeHtml(sc.description)}">${escapeHtml(sc.name)}</button>`,
        )
        .join('')}</div></details>`
    : '';
  return `<div class="msg-actions" role="toolbar" aria-label="Message actions">${reactions.join('')}${pin}${more}</div>`;
}

/** Slack's 3-second rule: a slower ack is an error the user sees. */
export const SLOW_ACK_MS = 3000;

const AVATAR_COLOURS = ['#1264a3', '#2bac76', '#e8912d', '#cd2553', '#7c3085', '#0b4c8c', '#4a6b82', '#b05b00'];

/** @param {string} id */
function colourOf(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return AVATAR_COLOURS[hash % AVATAR_COLOURS.length];
}

/** `12:04` from a Slack ts (seconds.micros), in the browser's time zone. @param {string | number} ts */
export function formatTime(ts, withSeconds = false) {
  const date = new Date(Number(ts) * 1000);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, '0');
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return withSeconds ? `${time}:${pad(date.getSeconds())}` : time;
}

/** Legacy attachments: a coloured bar with pretext, title, text, fields and blocks. @param {unknown} list @param {RenderContext} ctx */
export function renderAttachments(list, ctx) {
  if (!Array.isArray(list)) return '';
  /** @type {Record<string, string>} */
  const named = { good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' };
  return list
    .map((/** @type {any} */ a) => {
      const raw = String(a?.color ?? '');
      const colour = named[raw] ?? (/^#?[0-9a-f]{3,6}$/i.test(raw) ? `#${raw.replace('#', '')}` : '#dddddd');
      const titleHtml = a.title ? escapeHtml(a.title) : '';
      const titleLink = a.title_link && safeUrl(String(a.title_link));
      const title = titleHtml
        ? `<div class="att-title">${titleLink ? `<a href="${escapeHtml(titleLink)}" target="_blank" rel="noopener noreferrer">${titleHtml}</a>` : titleHtml}</div>`
        : '';
      const fields = Array.isArray(a.fields)
        ? `<div class="bk-fields">${a.fields.map((/** @type {any} */ f) => `<div class="bk-field"><strong>${escapeHtml(f.title ?? '')}</strong><br>${mrkdwn(f.value, ctx)}</div>`).join('')}</div>`
        : '';
      const parts = [
        a.pretext ? `<div class="att-pretext">${mrkdwn(a.pretext, ctx)}</div>` : '',
        title,
        a.text ? `<div class="att-text">${mrkdwn(a.text, ctx)}</div>` : '',
        fields,
        renderBlocks(a.blocks, ctx),
        a.footer ? `<div class="bk-context"><span>${mrkdwn(a.footer, ctx)}</span></div>` : '',
      ];
      return `<div class="attachment" style="border-left-color:${colour}">${parts.join('')}</div>`;
    })
    .join('');
}

/**
 * One message, with its thread under it when open.
 * @param {UiMessage} m
 * @param {RenderContext & { bots?: Record<string, boolean>, self?: string, shortcuts?: MessageShortcut[] }} ctx
 * @param {{ replies?: UiMessage[], threadOpen?: boolean }} [opts]
 * @returns {string}
 */
export function renderMessage(m, ctx, opts = {}) {
  const name = ctx.users[m.user] ?? m.user;
  const isBot = !!m.botId || !!ctx.bots?.[m.user];
  const avatar = `<div class="avatar${isBot ? ' avatar-bot' : ''}" style="background:${colourOf(m.user)}" aria-hidden="true">${escapeHtml(name.slice(0, 1).toUpperCase())}</div>`;
  const meta = [
    `<span class="msg-author">${escapeHtml(name)}</span>`,
    isBot ? '<span class="badge">APP</span>' : '',
    `<time class="msg-time" title="${escapeHtml(m.ts)}">${formatTime(m.ts)}</time>`,
    m.edited ? '<span class="msg-edited">(edited)</span>' : '',
  ].join('');
  const ephemeral = m.ephemeral ? `<div class="msg-ephemeral-note">${ICONS.eye} Only visible to you</div>` : '';
  const pinned = m.pinned ? `<div class="msg-pinned-note">${ICONS.pin} Pinned</div>` : '';
  const body = m.blocks?.length ? renderBlocks(m.blocks, ctx) : `<div class="bk-text">${mrkdwn(m.text, ctx)}</div>`;
  const reactions = (m.reactions ?? [])
    .map((r) => `<span class="reaction">${mrkdwn(`:${r.name}:`, ctx)} ${r.count}</span>`)
    .join('');
  const replies = opts.replies ?? [];
  const toggle = replies.length
    ? `<button type="button" class="thread-toggle" data-thread="${escapeHtml(m.ts)}" aria-expanded="${!!opts.threadOpen}">${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}</button>`
    : '';
  const thread =
    replies.length && opts.threadOpen
      ? `<div class="thread">${replies.map((r) => renderMessage(r, ctx)).join('')}</div>`
      : '';
  const cls = `msg${m.ephemeral ? ' msg-ephemeral' : ''}${isBot ? ' msg-bot' : ''}`;
  const edited = m.edited ? ` data-edited="${escapeHtml(m.edited.ts)}"` : '';
  return `<article class="${cls}${m.pinned ? ' msg-pinned' : ''}" data-ts="${escapeHtml(m.ts)}" data-channel="${escapeHtml(m.channel)}"${edited}>${avatar}<div class="msg-main">${ephemeral}${pinned}<div class="msg-meta">${meta}</div><div class="msg-body">${body}${renderAttachments(m.attachments, ctx)}${renderFiles(m.files)}</div>${reactions ? `<div class="reactions">${reactions}</div>` : ''}${toggle}${thread}</div>${renderMessageActions(m, ctx)}</article>`;
}

/**
 * The top modal of a stack. `canGoBack` when it was pushed over another.
 * @param {UiView} v @param {RenderContext} ctx @param {{ canGoBack?: boolean }} [opts]
 */
export function renderModal(v, ctx, opts = {}) {
  const view = v.view;
  const back = opts.canGoBack
    ? '<button type="button" class="modal-back" data-modal="back" aria-label="Back">←</button>'
    : '';
  const submit = view.submit
    ? `<button type="submit" class="bk-button bk-primary" data-modal="submit">${renderText(view.submit, ctx)}</button>`
    : '';
  const close = `<button type="button" class="bk-button" data-modal="close">${view.close ? renderText(view.close, ctx) : 'Cancel'}</button>`;
  return `<form class="modal" data-view-id="${escapeHtml(v.id)}" role="dialog" aria-modal="true" aria-label="${escapeHtml(view.title?.text ?? 'Modal')}" novalidate><header class="modal-header">${back}<h2 class="modal-title">${renderText(view.title, ctx)}</h2><button type="button" class="modal-x" data-modal="close-all" aria-label="Close">×</button></header><div class="modal-body">${renderBlocks(view.blocks, ctx, { errors: v.errors })}</div><footer class="modal-footer">${close}${submit}</footer></form>`;
}

/**
 * The dialog Slack shows before sending a click whose element has a `confirm` object.
 * @param {any} confirm @param {RenderContext} ctx
 */
export function renderConfirm(confirm, ctx) {
  const style = confirm?.style === 'danger' ? ' bk-danger' : ' bk-primary';
  return `<div class="confirm" role="alertdialog" aria-modal="true"><h2 class="modal-title">${renderText(confirm?.title ?? 'Are you sure?', ctx)}</h2><div class="confirm-text">${renderText(confirm?.text ?? '', ctx)}</div><div class="modal-footer"><button type="button" class="bk-button" data-confirm-answer="deny">${renderText(confirm?.deny ?? 'Cancel', ctx)}</button><button type="button" class="bk-button${style}" data-confirm-answer="confirm">${renderText(confirm?.confirm ?? 'Yes', ctx)}</button></div></div>`;
}

/** @param {UiView | null} v @param {RenderContext} ctx */
export function renderHome(v, ctx) {
  if (!v) return '<div class="empty">The Home tab is loading…</div>';
  return `<div class="home" data-view-id="${escapeHtml(v.id)}">${renderBlocks(v.view.blocks, ctx)}</div>`;
}

/**
 * The request log's order: newest first by when each request was sent (`at`). The workspace records a request when
 * its answer comes back, so a slow request arrives after faster later ones. @param {RequestSummary[]} requests
 */
export function newestFirst(requests) {
  return [...requests].sort((a, b) => b.at - a.at || b.id - a.id);
}

/**
 * A row of the request log: time, user, kind, text or action, HTTP status, ack ms (red over Slack's 3 s).
 * @param {RequestSummary} r @param {RenderContext} ctx
 */
export function renderRequestRow(r, ctx) {
  const slow = r.ackMs > SLOW_ACK_MS;
  const failed = r.status !== 200;
  const user = r.userId ? (ctx.users[r.userId] ?? r.userId) : '';
  return `<tr class="req${slow ? ' req-slow' : ''}${failed ? ' req-failed' : ''}" data-kind="${escapeHtml(r.kind)}" data-request-id="${r.id}"><td class="req-time">${formatTime(r.at / 1000, true)}</td><td class="req-user">${escapeHtml(user)}</td><td class="req-kind">${escapeHtml(r.kind)}</td><td class="req-summary" title="${escapeHtml(r.error ?? r.summary)}">${escapeHtml(r.summary)}</td><td class="req-status">${r.status || 'ERR'}</td><td class="req-ack${slow ? ' slow' : ''}">${Math.round(r.ackMs)} ms</td></tr>`;
}
