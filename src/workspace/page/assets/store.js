// @ts-check
/**
 * The page's state (the signed-in user's snapshot plus what is only the page's: open threads, unread channels) and
 * its small helpers for talking to the workspace server.
 */
import { SLOW_ACK_MS } from './surfaces.js';

/** @typedef {import('./surfaces.js').UiMessage} UiMessage */
/** @typedef {import('./surfaces.js').UiView} UiView */
/** @typedef {import('./surfaces.js').RequestSummary} RequestSummary */
/**
 * @typedef {{ self: string, users: Array<{ id: string, name: string, realName: string, isBot: boolean }>,
 *   groups?: Record<string, string>,
 *   channels: Array<{ id: string, name: string, isPrivate: boolean, isIm: boolean, topic: string, members: string[] }>,
 *   messages: Record<string, UiMessage[]>, modals: UiView[], home: UiView | null, requests: RequestSummary[],
 *   messageShortcuts: import('./surfaces.js').MessageShortcut[] }} Snapshot
 */

export const HOME = 'home';
export const store = {
  /** @type {Snapshot | null} */ snap: null,
  channelId: localStorage.getItem('opsdeck.channel') ?? '',
  /** @type {Set<string>} */ openThreads: new Set(),
  /** @type {Set<string>} */ unread: new Set(),
  /** @type {EventSource | null} */ stream: null,
  /**
   * While a fresh snapshot is on its way, the stream's events are kept here too: the snapshot may have been taken
   * before some of them, so they are applied to it once more when it replaces the one they were applied to.
   * @type {Array<() => void> | null}
   */
  replay: null,
  /** @type {string[]} */ history: [],
};

/** @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
export const snap = () => /** @type {Snapshot} */ (store.snap);

export function ctx() {
  const s = snap();
  return {
    // Slackbot is no workspace member but speaks for Slack's client (e.g. "not a valid command").
    users: { USLACKBOT: 'Slackbot', ...Object.fromEntries(s.users.map((u) => [u.id, u.name])) },
    channels: Object.fromEntries(s.channels.filter((c) => !c.isIm).map((c) => [c.id, c.name])),
    groups: s.groups ?? {},
    bots: Object.fromEntries(s.users.filter((u) => u.isBot).map((u) => [u.id, true])),
    self: s.self,
    shortcuts: s.messageShortcuts ?? [],
  };
}

/** @param {string} path @param {Record<string, unknown>} body */
export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  return { ok: res.ok, data };
}

/** Slack shows a failed or slow ack to the user; so does the status line. @param {string} what @param {{ ok: boolean, data: any }} r */
export function report(what, r) {
  const status = $('composer-status');
  const { data } = r;
  let message = '';
  if (!r.ok) message = `${what} failed: ${data.error ?? 'no answer'}`;
  else if (data.status && data.status !== 200)
    message = `${what} failed with the error "dispatch_failed" (HTTP ${data.status})`;
  else if (data.ackMs > SLOW_ACK_MS)
    message = `${what} failed with the error "operation_timeout" (ack ${data.ackMs} ms)`;
  status.textContent = message;
  status.classList.toggle('error', !!message);
}
