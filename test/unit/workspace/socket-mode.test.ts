import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { envelopeFor } from '../../../src/workspace/delivery/socket-mode.js';
import { createSlackServer, type SlackServer } from '../../../src/workspace/server.js';

const BOT_TOKEN = 'xoxb-socket';
const APP_TOKEN = 'xapp-1-A0OPSDECK1-socket';

let server: SlackServer;
const sockets: WebSocket[] = [];

beforeEach(async () => {
  server = await createSlackServer({
    botToken: BOT_TOKEN,
    signingSecret: 'unused-in-socket-mode',
    appToken: APP_TOKEN,
    users: [{ id: 'U1', name: 'alice' }],
    channels: [{ id: 'C1', name: 'ops' }],
  });
});

afterEach(async () => {
  for (const socket of sockets.splice(0)) {
    // Refused handshakes emit an error when terminated; that is expected here.
    socket.on('error', () => {});
    socket.terminate();
  }
  await server.close();
});

async function openConnection(token = APP_TOKEN): Promise<{ ok: boolean; url?: string; error?: string }> {
  const res = await fetch(`${server.apiUrl}apps.connections.open`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return (await res.json()) as { ok: boolean; url?: string; error?: string };
}

/** Connects as an app would and resolves with the socket and Slack's hello. */
async function connect(url: string): Promise<{ socket: WebSocket; hello: Record<string, unknown> }> {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const [data] = await once(socket, 'message');
  return { socket, hello: JSON.parse(String(data)) as Record<string, unknown> };
}

describe('apps.connections.open', () => {
  it('hands the app-level token a single-use WebSocket URL on the workspace', async () => {
    const opened = await openConnection();
    expect(opened.ok).toBe(true);
    expect(opened.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=[0-9a-f]{32}&app_id=A0OPSDECK1$/);
  });

  it('refuses a bot token, a wrong app token and no token, with Slack’s errors', async () => {
    expect(await openConnection(BOT_TOKEN)).toMatchObject({ ok: false, error: 'not_allowed_token_type' });
    expect(await openConnection('xapp-1-A0OTHER-nope')).toMatchObject({ ok: false, error: 'invalid_auth' });
    const res = await fetch(`${server.apiUrl}apps.connections.open`, { method: 'POST' });
    expect(await res.json()).toMatchObject({ ok: false, error: 'not_authed' });
  });
});

describe('a Socket Mode connection', () => {
  it('is greeted with hello, and its URL cannot be used twice', async () => {
    const { url } = await openConnection();
    const { hello } = await connect(url!);
    expect(hello).toMatchObject({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0OPSDECK1' } });
    const again = new WebSocket(url!);
    sockets.push(again);
    const [, response] = await once(again, 'unexpected-response');
    expect((response as { statusCode: number }).statusCode).toBe(401);
  });

  it('carries a slash command as an envelope and returns the ack payload as the response', async () => {
    const { socket } = await connect((await openConnection()).url!);
    socket.on('message', (data) => {
      const envelope = JSON.parse(String(data)) as { envelope_id: string; type: string; payload: { text: string } };
      socket.send(
        JSON.stringify({ envelope_id: envelope.envelope_id, payload: { text: `got ${envelope.payload.text}` } }),
      );
    });
    const res = await server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'help' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ text: 'got help' });
    // The ack's text becomes the ephemeral reply, as with an HTTP response body.
    expect(server.state.messages.get('C1')?.at(-1)).toMatchObject({ text: 'got help', ephemeralFor: 'U1' });
    expect(server.requests.entries.at(-1)).toMatchObject({ url: 'socket-mode', kind: 'command', status: 200 });
  });

  it('treats an ack without payload as an empty 200', async () => {
    const { socket } = await connect((await openConnection()).url!);
    socket.on('message', (data) => {
      const { envelope_id } = JSON.parse(String(data)) as { envelope_id: string };
      socket.send(JSON.stringify({ envelope_id, payload: {} }));
    });
    const res = await server.sendEvent({ type: 'app_home_opened', user: 'U1', tab: 'home' });
    expect(res).toMatchObject({ status: 200, body: '', text: '' });
  });

  it('fails the delivery, and logs it, when no connection is open or the connection drops before the ack', async () => {
    await expect(server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'help' })).rejects.toThrow(
      'no Socket Mode connection is open',
    );
    const { socket } = await connect((await openConnection()).url!);
    socket.on('message', () => socket.terminate());
    await expect(server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'help' })).rejects.toThrow(
      'closed before the ack',
    );
    expect(server.requests.entries.map((e) => e.status)).toEqual([0, 0]);
  });

  it('hands each envelope to one of the app’s open connections, spread over them, never to all', async () => {
    const connections = await Promise.all(
      [0, 1].map(async () => (await connect((await openConnection()).url!)).socket),
    );
    const received: string[][] = connections.map(() => []);
    for (const [i, socket] of connections.entries()) {
      socket.on('message', (data) => {
        const { envelope_id, payload } = JSON.parse(String(data)) as { envelope_id: string; payload: { text: string } };
        received[i]!.push(payload.text);
        socket.send(JSON.stringify({ envelope_id, payload: { text: `connection ${i}` } }));
      });
    }
    const texts = ['one', 'two', 'three', 'four'];
    const answers = await Promise.all(texts.map((text) => server.sendCommand({ userId: 'U1', channelId: 'C1', text })));
    // Each command reached exactly one connection and was answered by it.
    expect(received.flat().toSorted()).toEqual(texts.toSorted());
    expect(received.map((r) => r.length)).toEqual([2, 2]);
    expect(answers.map((a) => (a.body as { text: string }).text).toSorted()).toEqual([
      'connection 0',
      'connection 0',
      'connection 1',
      'connection 1',
    ]);
    expect(server.socketMode?.deliveries()).toEqual([2, 2]);
  });

  it('takes at most 10 connections per app, as Slack does', async () => {
    for (let i = 0; i < 10; i++) await connect((await openConnection()).url!);
    expect(server.socketMode?.connections()).toBe(10);
    const eleventh = new WebSocket((await openConnection()).url!);
    sockets.push(eleventh);
    const [, response] = await once(eleventh, 'unexpected-response');
    expect((response as { statusCode: number }).statusCode).toBe(429);
  });

  it('tells every connection to reconnect with disconnect messages', async () => {
    const { socket } = await connect((await openConnection()).url!);
    server.socketMode!.disconnectAll('refresh_requested');
    const [data] = await once(socket, 'message');
    expect(JSON.parse(String(data))).toMatchObject({ type: 'disconnect', reason: 'refresh_requested' });
  });
});

describe('envelopeFor', () => {
  const form = 'application/x-www-form-urlencoded';
  const payload = (body: Record<string, unknown>) => new URLSearchParams({ payload: JSON.stringify(body) }).toString();

  it('maps each kind of request to the envelope Slack sends for it', () => {
    expect(envelopeFor({ body: 'command=%2Fops&text=help', contentType: form }, 'e1')).toEqual({
      envelope_id: 'e1',
      type: 'slash_commands',
      payload: { command: '/ops', text: 'help' },
      accepts_response_payload: true,
    });
    expect(envelopeFor({ body: payload({ type: 'block_actions' }), contentType: form }, 'e2')).toMatchObject({
      type: 'interactive',
      accepts_response_payload: false,
    });
    expect(envelopeFor({ body: payload({ type: 'view_submission' }), contentType: form }, 'e3')).toMatchObject({
      type: 'interactive',
      accepts_response_payload: true,
    });
    const event = JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_home_opened' } });
    expect(
      envelopeFor(
        {
          body: event,
          contentType: 'application/json',
          headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' },
        },
        'e4',
      ),
    ).toMatchObject({ type: 'events_api', retry_attempt: 2, retry_reason: 'http_timeout' });
  });

  it('has no envelope for bodies Slack would never send over a socket', () => {
    expect(envelopeFor({ body: 'ssl_check=1', contentType: form }, 'e')).toBeUndefined();
    expect(envelopeFor({ body: '{"type":"url_verification"}', contentType: 'application/json' }, 'e')).toBeUndefined();
    expect(envelopeFor({ body: 'not json', contentType: 'application/json' }, 'e')).toBeUndefined();
  });
});
