// @ts-check
/**
 * The live stream: each server event updates the store and re-renders only what changed. An edited message is
 * replaced in place, so a worker's `replace_original` shows up without a reload.
 */
import { showModals } from './dialogs.js';
import { $, ctx, HOME, snap, store } from './store.js';
import { renderChannel, renderRequestLog, renderSidebar, updateInPlace } from './view.js';

/**
 * @param {() => void} onReconnect after a reconnect (events may have been missed)
 * @param {() => void} [onOpen] once the stream is connected: what the page asks for after that cannot be missed
 */
export function openStream(onReconnect, onOpen) {
  store.stream?.close();
  const stream = new EventSource(`/workspace/stream?user=${encodeURIComponent(snap().self)}`);
  store.stream = stream;
  let opened = false;
  // After a reconnect, events may have been missed: fetch the whole state again.
  stream.onopen = () => {
    if (opened) onReconnect();
    else onOpen?.();
    opened = true;
  };
  // A stream replaced by another (the user was switched) may still deliver an event: it belongs to someone else.
  const on = (/** @type {string} */ name, /** @type {(data: any) => void} */ fn) =>
    stream.addEventListener(name, (e) => {
      if (store.stream !== stream) return;
      const data = JSON.parse(/** @type {MessageEvent} */ (e).data);
      store.replay?.push(() => fn(data));
      fn(data);
    });
  // Idempotent, as every handler here: a replayed event may already be in the snapshot it is applied to.
  on('message', (m) => {
    const messages = snap().messages;
    const list = messages[m.channel] ?? [];
    const i = list.findIndex((x) => x.ts === m.ts);
    messages[m.channel] = i >= 0 ? list.map((x, j) => (j === i ? m : x)) : [...list, m];
    if (m.channel === store.channelId) renderChannel();
    else {
      store.unread.add(m.channel);
      renderSidebar();
    }
  });
  for (const name of ['message_changed', 'reaction_added', 'pin_added']) {
    on(name, (m) => {
      const list = snap().messages[m.channel] ?? [];
      const i = list.findIndex((x) => x.ts === m.ts);
      if (i >= 0) list[i] = m;
      if (m.channel === store.channelId) updateInPlace(m);
    });
  }
  on('message_deleted', (m) => {
    snap().messages[m.channel] = (snap().messages[m.channel] ?? []).filter((x) => x.ts !== m.ts);
    if (m.channel === store.channelId) renderChannel();
  });
  for (const name of ['channel_created', 'member_joined_channel', 'channel_topic']) {
    on(name, (c) => {
      const s = snap();
      s.channels = [...s.channels.filter((x) => x.id !== c.id), c];
      s.messages[c.id] ??= [];
      renderSidebar();
      if (c.id === store.channelId) $('channel-topic').textContent = c.topic;
    });
  }
  for (const name of ['view_opened', 'view_pushed', 'view_updated', 'view_closed', 'view_errors', 'home_published']) {
    on(name, (d) => {
      snap().modals = d.modals;
      snap().home = d.home;
      if (name.startsWith('view_')) showModals(d.modals, ctx());
      if (store.channelId === HOME && (name === 'home_published' || d.view.type === 'home')) renderChannel();
    });
  }
  on('request', (r) => {
    const requests = snap().requests;
    if (!requests.some((x) => x.id === r.id)) requests.push(r);
    renderRequestLog();
  });
}
