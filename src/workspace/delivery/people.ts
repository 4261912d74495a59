import type { WorkspaceMessage, WorkspaceState } from '../state.js';
import type { EventSubscriptions } from './events.js';

/**
 * What a person does to a message in Slack's client — pin it, react to it — for the browser page and test drivers
 * alike. The change goes through the same state methods as the bot's pins.add / reactions.add, so the bot gets the
 * same events either way; each call resolves once those events have been delivered.
 */

/** A person cannot do this (not in the channel, no such message, already done): the page answers 400. */
export class PersonActionRefused extends Error {}

export interface MessageRef {
  userId: string;
  channelId: string;
  ts: string;
}

export class PeopleActions {
  constructor(
    private readonly state: WorkspaceState,
    private readonly subscriptions: EventSubscriptions,
  ) {}

  async pin(input: MessageRef): Promise<void> {
    const message = this.visibleMessage(input);
    if (!this.state.addPin(message, input.userId)) throw new PersonActionRefused('already_pinned');
    await this.subscriptions.settled();
  }

  async react(input: MessageRef & { name: string }): Promise<void> {
    const name = input.name.replace(/^:|:$/g, '');
    if (!/^[a-z0-9_+'-]{1,100}$/.test(name)) throw new PersonActionRefused(`invalid_name ${input.name}`);
    const message = this.visibleMessage(input);
    if (!this.state.addReaction(message, name, input.userId)) throw new PersonActionRefused('already_reacted');
    await this.subscriptions.settled();
  }

  /** A message the person can see, in a channel they are in (people act only where they are members). */
  visibleMessage(input: MessageRef): WorkspaceMessage {
    const user = this.state.users.get(input.userId);
    if (!user || user.isBot) throw new PersonActionRefused(`unknown user ${input.userId}`);
    const channel = this.state.channels.get(input.channelId);
    if (!channel?.members.includes(input.userId)) {
      throw new PersonActionRefused(`${input.userId} is not in ${input.channelId}`);
    }
    const message = this.state.getMessage(input.channelId, input.ts);
    if (!message || message.ephemeralFor) throw new PersonActionRefused(`no message ${input.ts} in ${input.channelId}`);
    return message;
  }
}
