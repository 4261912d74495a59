import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPABILITIES } from '../../src/capabilities.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { startListener } from '../support/listener.js';

/**
 * People pin, react and use message shortcuts on the local workspace; Opsdeck (Bolt, over real signed HTTP or its
 * Socket Mode connection) hears them through the platform's events and shortcuts (a throwaway capability records
 * what it was given).
 */

describe.each([
  { mode: 'signed HTTP', socketMode: false },
  { mode: 'Socket Mode', socketMode: true },
])('people on the workspace, heard by Opsdeck over $mode', ({ socketMode }) => {
  const listener = startListener();
  const { heard, heardOne } = listener;

  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ socketMode, capabilities: [...CAPABILITIES, listener.capability], app: listener.app });
  });
  afterAll(() => h.close());

  it('hears a person pin a message and react to it, once the bot is in the channel', async () => {
    // The harness's #ops has people only: Slack sends bot events only from conversations the bot is in.
    const ops = h.slack.state.channels.get(CHANNEL)!;
    const early = h.slack.state.addMessage({ channel: CHANNEL, user: USERS.bob, text: 'before the bot joined' });
    await h.slack.pin({ userId: USERS.alice, channelId: CHANNEL, ts: early.ts });
    h.slack.state.addMember(ops, h.slack.state.botUserId);

    const message = h.slack.state.addMessage({ channel: CHANNEL, user: USERS.bob, text: 'checkout is down' });
    await h.slack.pin({ userId: USERS.alice, channelId: CHANNEL, ts: message.ts });
    const pin = await heardOne('pin_added');
    expect(heard.filter((e) => e.kind === 'pin_added')).toHaveLength(1);
    expect(pin).toMatchObject({ type: 'pin_added', user: USERS.alice, channel_id: CHANNEL, item_user: USERS.bob });
    expect((pin.item as { message: { ts: string } }).message.ts).toBe(message.ts);

    await h.slack.react({ userId: USERS.carol, channelId: CHANNEL, ts: message.ts, name: 'rotating_light' });
    const reaction = await heardOne('reaction_added');
    expect(reaction).toMatchObject({
      user: USERS.carol,
      reaction: 'rotating_light',
      item: { type: 'message', channel: CHANNEL, ts: message.ts },
    });
  });

  it('hears a message shortcut with the message it was used on', async () => {
    const message = h.slack.state.addMessage({ channel: CHANNEL, user: USERS.bob, text: 'latency spike' });
    const sent = await h.slack.messageShortcut({
      userId: USERS.alice,
      channelId: CHANNEL,
      ts: message.ts,
      callbackId: 'listen_to_message',
    });
    expect(sent.status).toBe(200);
    const shortcut = await heardOne('shortcut');
    expect(shortcut).toMatchObject({
      callbackId: 'listen_to_message',
      userId: USERS.alice,
      channelId: CHANNEL,
      triggerId: sent.triggerId,
      message: { channelId: CHANNEL, ts: message.ts, text: 'latency spike' },
    });
  });
});
