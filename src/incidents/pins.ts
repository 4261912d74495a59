import { z } from 'zod';
import { messageLink } from '../platform/blocks.js';
import type { EventHandler } from '../platform/capability.js';
import { cut } from '../platform/text.js';
import type { IncidentDesk } from './desk.js';

/** A message pinned, or marked :pushpin:, in an incident's channel goes to its timeline. */
export function pinEvents(desk: IncidentDesk): EventHandler[] {
  const { store } = desk;
  return ['pin_added', 'reaction_added'].map((type) => ({
    type,
    async run(event: Record<string, unknown>) {
      const marked = PinEvent.safeParse(event);
      if (!marked.success) return;
      const { channel, ts, user: by, text } = marked.data;
      const incident = await store.byChannel(channel);
      if (!incident || incident.state === 'resolved') return;
      if (!(await store.markMessage(incident.id, ts))) return;
      // The message's own text (Slack's encoding), or its address: quoted, never markup.
      const quote = text ? `“${cut(text, 300)}”` : messageLink(channel, ts);
      await desk.record(
        incident,
        { at: desk.now(), by, kind: 'pinned', text: type === 'pin_added' ? 'Pinned' : 'Marked :pushpin:', quote },
        { say: false },
      );
    },
  }));
}

/**
 * `pin_added` (a message pinned) and `reaction_added` with :pushpin:, as the Events API sends them, reduced to where the
 * message is, who marked it and its text when the event carries it.
 */
const PinEvent = z.union([
  z
    .object({
      type: z.literal('pin_added'),
      user: z.string(),
      channel_id: z.string(),
      item: z.object({
        type: z.literal('message'),
        message: z.object({ ts: z.string(), text: z.string().optional() }),
      }),
    })
    .transform((e) => ({ channel: e.channel_id, ts: e.item.message.ts, user: e.user, text: e.item.message.text })),
  z
    .object({
      type: z.literal('reaction_added'),
      user: z.string(),
      reaction: z.literal('pushpin'),
      item: z.object({ type: z.literal('message'), channel: z.string(), ts: z.string() }),
    })
    .transform((e) => ({
      channel: e.item.channel,
      ts: e.item.ts,
      user: e.user,
      text: undefined as string | undefined,
    })),
]);
