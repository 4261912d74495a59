import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { WorkspaceState } from '../state.js';
import type { Interactions } from './interactions.js';
import { memberJoinedEvent, type PayloadContext, pinAddedEvent, reactionAddedEvent } from './payloads.js';

/**
 * The Events API side of state changes: when anyone (a person or the bot itself, as on Slack) pins a message, adds a
 * reaction or joins a channel, the app gets the matching event_callback — if it subscribed to that event
 * (`settings.event_subscriptions.bot_events` in its manifest) and the bot is in the channel, as Slack requires for
 * bot events. Deliveries run in the background like Slack's; `settled()` lets a driver wait for them.
 */

/** The state events that become Events API events, by the state's event name (the same as Slack's). */
export const DELIVERED_EVENTS = ['pin_added', 'reaction_added', 'member_joined_channel'] as const;

type Json = Record<string, unknown>;

export class EventSubscriptions {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly deps: {
      state: WorkspaceState;
      events: EventEmitter;
      interactions: Interactions;
      payloads: PayloadContext;
      now: () => number;
      /** Subscribed event types; undefined: every event (a workspace without a declared app). */
      botEvents?: readonly string[];
      logger?: Logger;
    },
  ) {
    for (const name of DELIVERED_EVENTS) deps.events.on(name, (data: Json) => this.onStateEvent(name, data));
  }

  /** Resolves once every delivery started so far has been answered (or has failed). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private onStateEvent(name: string, data: Json): void {
    if (this.deps.botEvents && !this.deps.botEvents.includes(name)) return;
    const event = this.eventFor(name, data);
    if (!event) return;
    const delivery = this.deps.interactions
      .sendEvent(event)
      .catch((err: unknown) => this.deps.logger?.warn({ err, event: name }, 'event delivery failed'));
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private eventFor(name: string, data: Json): Json | undefined {
    const { state, payloads } = this.deps;
    const channel = state.channels.get(String(data.channel));
    // Bot events only come from conversations the bot is in.
    if (!channel?.members.includes(state.botUserId)) return undefined;
    const eventTs = (this.deps.now() / 1000).toFixed(6);
    const user = String(data.user);
    if (name === 'member_joined_channel') {
      return memberJoinedEvent(payloads, { user, channel: channel.id, isPrivate: channel.isPrivate, eventTs });
    }
    const message = state.getMessage(channel.id, String(data.ts));
    if (!message) return undefined;
    if (name === 'reaction_added') return reactionAddedEvent(message, { user, reaction: String(data.name), eventTs });
    const pinCount = state.pins.get(channel.id)?.size ?? 0;
    return pinAddedEvent(payloads, message, { user, pinCount, eventTs });
  }
}
