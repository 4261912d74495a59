import { readFileSync } from 'node:fs';
import type { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkspaceApp } from '../../../src/workspace/app-manifest.js';
import type { SlackServer } from '../../../src/workspace/server.js';
import { fixturePath } from '../../support/repo.js';
import type { BotReceiver, ReceivedRequest } from './bot-receiver.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/**
 * What the bot receives when people (or the bot itself) pin, react and join, and when a person uses a message
 * shortcut: signed requests over real HTTP, shaped as the upstream fixtures in test/fixtures/slack/.
 */

const SECRET = 'events-secret';
const TOKEN = 'xoxb-events';

const fixture = (name: string) =>
  JSON.parse(readFileSync(fixturePath(`slack/${name}`), 'utf8')) as Record<string, unknown>;

let workspace: WorkspaceFixture;
let server: SlackServer;
let bot: BotReceiver;
let client: WebClient;

async function start(app?: WorkspaceApp): Promise<void> {
  workspace = await startWorkspace(SECRET, TOKEN, Date.now, {
    channels: [
      { id: 'C1', name: 'ops' },
      // The bot is not in #elsewhere: bot events from there never reach it.
      { id: 'C2', name: 'elsewhere', members: ['U1', 'U2'] },
    ],
    ...(app ? { app } : {}),
  });
  ({ server, bot, client } = workspace);
}
afterEach(() => workspace.close());

const app = (botEvents: string[]): WorkspaceApp => ({
  commands: [{ command: '/ops', shouldEscape: false }],
  shortcuts: [{ name: 'Start incident', type: 'message', callbackId: 'incident_from_message', description: 'x' }],
  botEvents,
});

const events = (type?: string) =>
  bot.requests
    .map((r) => r.parsed)
    .filter((p) => p.type === 'event_callback' && (!type || (p.event as { type: string }).type === type));

/** Resolves with the first request the bot received that matches, waiting on the server's delivery events. */
function received(predicate: (r: ReceivedRequest) => boolean): Promise<ReceivedRequest> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = bot.requests.find(predicate);
      if (!hit) return false;
      clearTimeout(timer);
      server.events.off('delivery', check);
      resolve(hit);
      return true;
    };
    const timer = setTimeout(() => {
      server.events.off('delivery', check);
      reject(new Error('the bot received no matching request'));
    }, 5000);
    server.events.on('delivery', check);
    check();
  });
}

const eventOf = (type: string) => (r: ReceivedRequest) =>
  r.parsed.type === 'event_callback' && (r.parsed.event as { type: string }).type === type;

const keysOf = (o: unknown) => Object.keys(o as object).sort();

describe('pin_added and reaction_added', () => {
  it("delivers a person's pin and reaction as signed event_callbacks shaped like Slack's", async () => {
    await start(app(['pin_added', 'reaction_added']));
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'deploy failed' });
    const ts = posted.ts as string;

    await server.react({ userId: 'U1', channelId: 'C1', ts, name: ':eyes:' });
    const [reaction] = bot.requests.filter(eventOf('reaction_added'));
    expect(reaction?.verified).toBe(true);
    expect(reaction?.headers['content-type']).toBe('application/json');
    const upstream = fixture('reaction-added.json');
    expect(reaction?.parsed).toMatchObject({ type: 'event_callback', team_id: 'T0OPSDECK1', api_app_id: 'A0OPSDECK1' });
    for (const key of ['token', 'team_id', 'api_app_id', 'event', 'type', 'event_id', 'event_time']) {
      expect(reaction?.parsed, key).toHaveProperty(key);
    }
    const event = reaction?.parsed.event as Record<string, unknown>;
    expect(keysOf(event)).toEqual(keysOf(upstream.event));
    expect(event).toEqual({
      type: 'reaction_added',
      user: 'U1',
      item: { type: 'message', channel: 'C1', ts },
      reaction: 'eyes',
      item_user: 'U0OPSBOT01',
      event_ts: expect.stringMatching(/^\d+\.\d{6}$/),
    });

    await server.pin({ userId: 'U2', channelId: 'C1', ts });
    const pin = bot.requests.find(eventOf('pin_added'));
    expect(pin?.verified).toBe(true);
    const pinEvent = pin?.parsed.event as Record<string, unknown>;
    const shape = fixture('shapes/PinAddedPayload.json').event as Record<string, unknown>;
    expect(keysOf(pinEvent)).toEqual(keysOf(shape));
    expect(pinEvent).toMatchObject({
      type: 'pin_added',
      user: 'U2',
      channel_id: 'C1',
      item_user: 'U0OPSBOT01',
      pin_count: 1,
      pinned_info: { channel: 'C1', pinned_by: 'U2', pinned_ts: expect.any(Number) },
      item: {
        type: 'message',
        channel: 'C1',
        created_by: 'U2',
        message: { ts, text: 'deploy failed', pinned_to: ['C1'], bot_id: 'B0OPSBOT01' },
      },
    });
    // Every event has its own id (the bot dedupes on it).
    const ids = events().map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("delivers the bot's own pins.add and reactions.add too, as Slack does", async () => {
    await start(app(['pin_added', 'reaction_added']));
    const ts = (await client.chat.postMessage({ channel: 'C1', text: 'pin me' })).ts as string;
    await client.pins.add({ channel: 'C1', timestamp: ts });
    await client.reactions.add({ channel: 'C1', timestamp: ts, name: 'white_check_mark' });
    const pin = await received(eventOf('pin_added'));
    const reaction = await received(eventOf('reaction_added'));
    expect(pin.parsed.event).toMatchObject({ user: 'U0OPSBOT01', channel_id: 'C1' });
    expect(reaction.parsed.event).toMatchObject({ user: 'U0OPSBOT01', reaction: 'white_check_mark' });
  });

  it('delivers only subscribed events, only from channels the bot is in, and refuses what Slack refuses', async () => {
    await start(app(['reaction_added']));
    const ts = (await client.chat.postMessage({ channel: 'C1', text: 'x' })).ts as string;
    await server.pin({ userId: 'U1', channelId: 'C1', ts });
    expect(server.state.pins.get('C1')?.has(ts)).toBe(true);
    const other = server.state.addMessage({ channel: 'C2', user: 'U2', text: 'not for the bot' });
    await server.react({ userId: 'U1', channelId: 'C2', ts: other.ts, name: 'eyes' });
    expect(events()).toEqual([]);

    await expect(server.pin({ userId: 'U1', channelId: 'C1', ts })).rejects.toThrow('already_pinned');
    await server.react({ userId: 'U1', channelId: 'C1', ts, name: 'eyes' });
    await expect(server.react({ userId: 'U1', channelId: 'C1', ts, name: 'eyes' })).rejects.toThrow('already_reacted');
    await expect(server.react({ userId: 'U1', channelId: 'C1', ts, name: 'no spaces' })).rejects.toThrow(
      'invalid_name',
    );
    await expect(server.pin({ userId: 'U0OPSBOT01', channelId: 'C1', ts })).rejects.toThrow('unknown user');
    await expect(server.pin({ userId: 'U1', channelId: 'C1', ts: '1.000001' })).rejects.toThrow('no message');
    expect(events('reaction_added')).toHaveLength(1);
  });

  it('delivers member_joined_channel when someone is invited', async () => {
    await start(app(['member_joined_channel']));
    const created = await client.conversations.create({ name: 'incident-1' });
    const channel = created.channel?.id as string;
    await client.conversations.invite({ channel, users: 'U1' });
    const joined = await received(eventOf('member_joined_channel'));
    expect(joined.parsed.event).toEqual({
      type: 'member_joined_channel',
      user: 'U1',
      channel,
      channel_type: 'C',
      team: 'T0OPSDECK1',
      event_ts: expect.any(String),
    });
  });

  it('delivers every event when no app is declared (a bare workspace)', async () => {
    await start();
    const ts = (await client.chat.postMessage({ channel: 'C1', text: 'x' })).ts as string;
    await server.pin({ userId: 'U1', channelId: 'C1', ts });
    expect(events('pin_added')).toHaveLength(1);
  });
});

describe('message shortcuts', () => {
  it('sends a message_action shaped like message-action.json, with a working response_url', async () => {
    await start(app([]));
    const message = server.state.addMessage({ channel: 'C1', user: 'U2', text: 'db is down' });
    const sent = await server.messageShortcut({
      userId: 'U1',
      channelId: 'C1',
      ts: message.ts,
      callbackId: 'incident_from_message',
    });
    expect(sent.status).toBe(200);
    const request = bot.requests.at(-1);
    expect(request?.verified).toBe(true);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const payload = request?.parsed as Record<string, unknown>;
    const upstream = fixture('message-action.json');
    for (const key of Object.keys(upstream)) expect(payload, key).toHaveProperty(key);
    expect(payload).toMatchObject({
      type: 'message_action',
      callback_id: 'incident_from_message',
      trigger_id: sent.triggerId,
      message_ts: message.ts,
      response_url: sent.responseUrl,
      user: { id: 'U1', name: 'alice' },
      channel: { id: 'C1', name: 'ops' },
      team: { id: 'T0OPSDECK1' },
      message: { type: 'message', user: 'U2', text: 'db is down', ts: message.ts },
    });

    // The trigger opens a modal; the response_url posts into the channel (a new message, not an edit of U2's).
    const view = { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Incident' }, blocks: [] };
    await client.views.open({ trigger_id: sent.triggerId, view });
    const reply = await fetch(sent.responseUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Declared', response_type: 'in_channel', replace_original: true }),
    });
    expect(reply.status).toBe(200);
    expect(server.state.getMessage('C1', message.ts)?.text).toBe('db is down');
    expect(server.state.messages.get('C1')?.at(-1)).toMatchObject({ text: 'Declared', user: 'U0OPSBOT01' });
  });

  it('refuses a shortcut on a message that does not exist, or one the app does not declare', async () => {
    await start(app([]));
    await expect(
      server.messageShortcut({ userId: 'U1', channelId: 'C1', ts: '1.000001', callbackId: 'incident_from_message' }),
    ).rejects.toThrow('no message');
    const message = server.state.addMessage({ channel: 'C1', user: 'U2', text: 'x' });
    await expect(
      server.messageShortcut({ userId: 'U1', channelId: 'C1', ts: message.ts, callbackId: 'undeclared' }),
    ).rejects.toThrow('declares no message shortcut undeclared');
    expect(bot.requests).toHaveLength(0);
  });
});
