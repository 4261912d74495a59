import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkspaceApp } from '../../../src/workspace/app-manifest.js';
import type { UiSnapshot } from '../../../src/workspace/page/snapshot.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/** The page's routes for what people do to messages: pin, react, message shortcuts, and opening shared files. */

const app: WorkspaceApp = {
  commands: [{ command: '/ops', shouldEscape: false }],
  shortcuts: [
    { name: 'Declare incident', type: 'message', callbackId: 'declare', description: 'From this message' },
    { name: 'New thing', type: 'global', callbackId: 'global_one', description: 'Not on messages' },
  ],
  botEvents: ['pin_added', 'reaction_added'],
};

let ws: WorkspaceFixture;
beforeEach(async () => {
  ws = await startWorkspace('page-secret', 'xoxb-page', Date.now, {
    channels: [
      { id: 'C1', name: 'ops' },
      { id: 'G1', name: 'secret', members: ['U1', 'U0OPSBOT01'], isPrivate: true },
    ],
    app,
  });
});
afterEach(() => ws.close());

const post = (path: string, body: unknown) =>
  fetch(`${ws.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const snapshotOf = async (userId: string) =>
  (await (await fetch(`${ws.server.url}/workspace/state?user=${userId}`)).json()) as UiSnapshot;
const eventTypes = () =>
  ws.bot.requests
    .filter((r) => r.parsed.type === 'event_callback')
    .map((r) => (r.parsed.event as { type: string }).type);

describe('pin and react from the page', () => {
  it('changes the state, tells the bot, and shows in the snapshot', async () => {
    const m = ws.server.state.addMessage({ channel: 'C1', user: 'U2', text: 'hi' });
    expect((await post('/workspace/react', { userId: 'U1', channelId: 'C1', ts: m.ts, name: 'eyes' })).status).toBe(
      200,
    );
    expect((await post('/workspace/pin', { userId: 'U1', channelId: 'C1', ts: m.ts })).status).toBe(200);
    // The route answers once the events were delivered.
    expect(eventTypes()).toEqual(['reaction_added', 'pin_added']);
    const snapshot = await snapshotOf('U1');
    const shown = snapshot.messages.C1?.find((x) => x.ts === m.ts);
    expect(shown).toMatchObject({ pinned: true, reactions: [{ name: 'eyes', users: ['U1'], count: 1 }] });
    expect(snapshot.messageShortcuts).toEqual([
      { name: 'Declare incident', callbackId: 'declare', description: 'From this message' },
    ]);
  });

  it('answers 400 to what a person cannot do', async () => {
    const m = ws.server.state.addMessage({ channel: 'C1', user: 'U2', text: 'hi' });
    await post('/workspace/pin', { userId: 'U1', channelId: 'C1', ts: m.ts });
    const refused = [
      await post('/workspace/pin', { userId: 'U1', channelId: 'C1', ts: m.ts }),
      await post('/workspace/pin', { userId: 'U2', channelId: 'G1', ts: m.ts }),
      await post('/workspace/react', { userId: 'U1', channelId: 'C1', ts: m.ts, name: '<script>' }),
      await post('/workspace/react', { userId: 'U1', channelId: 'C1', ts: m.ts }),
      await post('/workspace/message-shortcut', { userId: 'U1', channelId: 'C1', ts: m.ts, callbackId: 'global_one' }),
      await post('/workspace/message-shortcut', { userId: 'U1', channelId: 'C1', ts: '1.2', callbackId: 'declare' }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(eventTypes()).toEqual(['pin_added']);
  });

  it('sends a declared message shortcut as message_action', async () => {
    const m = ws.server.state.addMessage({ channel: 'C1', user: 'U2', text: 'db down' });
    const res = await post('/workspace/message-shortcut', {
      userId: 'U1',
      channelId: 'C1',
      ts: m.ts,
      callbackId: 'declare',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: number }).status).toBe(200);
    expect(ws.bot.requests.at(-1)?.parsed).toMatchObject({
      type: 'message_action',
      callback_id: 'declare',
      message_ts: m.ts,
    });
  });
});

describe('files on the page', () => {
  it('serves a shared file to people who can see a conversation it is in, and to no one else', async () => {
    await ws.client.filesUploadV2({ channel_id: 'G1', file: Buffer.from('<b>x</b>'), filename: 'x.html' });
    const file = (await snapshotOf('U1')).messages.G1?.at(-1)?.files?.[0];
    expect(file).toMatchObject({ name: 'x.html', mimetype: 'text/html', size: 8 });
    const url = `${ws.server.url}${file?.url}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('<b>x</b>');
    // Uploaded HTML never runs as a page of the workspace's origin.
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    const download = await fetch(`${url}&download=1`);
    expect(download.headers.get('content-disposition')).toBe("attachment; filename*=UTF-8''x.html");
    // U2 is not in the private channel.
    expect((await fetch(url.replace('user=U1', 'user=U2'))).status).toBe(404);
    expect((await fetch(`${ws.server.url}/workspace/files/F0NOPE/x?user=U1`)).status).toBe(404);
  });
});
