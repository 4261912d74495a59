import type { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeRequest } from '../../../src/workspace/delivery/request-log.js';
import type { SlackServer } from '../../../src/workspace/server.js';
import type { BotReceiver } from './bot-receiver.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/** The local workspace page's HTTP routes (src/workspace/ui-routes.ts), against a signature-checking stand-in bot. */

let workspace: WorkspaceFixture;
let server: SlackServer;
let bot: BotReceiver;
let client: WebClient;

beforeEach(async () => {
  workspace = await startWorkspace('ui-secret', 'xoxb-ui', Date.now);
  ({ server, bot, client } = workspace);
});
afterEach(() => workspace.close());

const post = (path: string, body: unknown, contentType = 'application/json') =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const plain = (text: string) => ({ type: 'plain_text' as const, text });

describe('the page and its files', () => {
  it('serves index.html at / and the page modules with their content types', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<script type="module" src="/page/app.js">');
    for (const [file, type] of [
      ['app.js', 'text/javascript; charset=utf-8'],
      ['render.js', 'text/javascript; charset=utf-8'],
      ['style.css', 'text/css; charset=utf-8'],
    ]) {
      const res = await fetch(`${server.url}/page/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
    }
  });

  it('names nothing outside the page folder', async () => {
    for (const path of [
      '/page/../server.ts',
      '/page/%2e%2e%2fserver.ts',
      '/page/..%2Fui-routes.ts',
      '/page/.hidden.js',
      '/page/nope.js',
      '/page/%E0%A4%A',
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).not.toBe(200);
    }
  });
});

describe('POST routes', () => {
  it('turns a composer line into a signed slash command and answers with status and ack time', async () => {
    bot.reply(() => ({ body: { text: 'pong' } }));
    const res = await post('/workspace/command', { userId: 'U1', channelId: 'C1', text: '/ops  ping  now ' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: number; ackMs: number; body: unknown };
    expect(body).toMatchObject({ status: 200, body: { text: 'pong' } });
    expect(body.ackMs).toBeGreaterThanOrEqual(0);
    expect(bot.requests[0]?.verified).toBe(true);
    expect(bot.requests[0]?.parsed).toMatchObject({ command: '/ops', text: 'ping  now', user_id: 'U1' });
  });

  it('refuses bad bodies with 400 and sends nothing', async () => {
    const bad: Array<[string, unknown, string?]> = [
      ['/workspace/command', '{not json'],
      ['/workspace/command', { userId: 'U1', channelId: 'C1' }],
      ['/workspace/command', { userId: 'U1', channelId: 'C1', text: 'no slash' }],
      ['/workspace/command', { userId: 'U404', channelId: 'C1', text: '/ops help' }],
      ['/workspace/command', { userId: 'U1', channelId: 'C404', text: '/ops help' }],
      ['/workspace/command', 'userId=U1&channelId=C1&text=/ops', 'application/x-www-form-urlencoded'],
      ['/workspace/action', { userId: 'U1', actionId: 'a' }],
      ['/workspace/action', { userId: 'U1', channelId: 'C1', messageTs: '1.2', actionId: 'a' }],
      ['/workspace/view-submission', { userId: 'U1', viewId: 'V404', values: {} }],
      ['/workspace/view-close', { userId: 'U1', viewId: 'V404' }],
      ['/workspace/message', { userId: 'U1', channelId: 'C1', text: '' }],
    ];
    for (const [path, body, type] of bad) {
      const res = await post(path, body, type);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBeTruthy();
    }
    expect(bot.requests).toHaveLength(0);
  });

  it('answers 502 when the bot cannot be reached', async () => {
    server.setRequestUrl('http://127.0.0.1:9/slack/events');
    const res = await post('/workspace/command', { userId: 'U1', channelId: 'C1', text: '/ops help' });
    expect(res.status).toBe(502);
    expect(server.requests.entries.at(-1)).toMatchObject({ kind: 'command', status: 0 });
  });

  it('posts plain text as the user', async () => {
    const res = await post('/workspace/message', { userId: 'U2', channelId: 'C1', text: 'hello *all*' });
    expect(res.status).toBe(200);
    expect(server.state.messages.get('C1')?.at(-1)).toMatchObject({ user: 'U2', text: 'hello *all*' });
  });

  it('sends clicks in a modal as block_actions with a view container and the typed values', async () => {
    const { triggerId } = await server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    const opened = await client.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        title: plain('Pick'),
        submit: plain('Save'),
        notify_on_close: true,
        blocks: [
          {
            type: 'input',
            block_id: 'n',
            label: plain('Name'),
            element: { type: 'plain_text_input', action_id: 'name' },
          },
          { type: 'actions', block_id: 'a', elements: [{ type: 'button', action_id: 'more', text: plain('More') }] },
        ],
      },
    });
    const viewId = opened.view?.id as string;
    const values = { n: { name: { type: 'plain_text_input', value: 'carol' } } };
    const res = await post('/workspace/action', { userId: 'U1', viewId, actionId: 'more', values });
    expect(res.status).toBe(200);
    const click = bot.requests.at(-1)!;
    expect(click.verified).toBe(true);
    expect(click.parsed).toMatchObject({
      type: 'block_actions',
      container: { type: 'view', view_id: viewId },
      view: { id: viewId, state: { values } },
      actions: [{ action_id: 'more', block_id: 'a', type: 'button' }],
    });

    const other = await post('/workspace/view-close', { userId: 'U2', viewId });
    expect(other.status).toBe(400);
    const closed = await post('/workspace/view-close', { userId: 'U1', viewId, all: true });
    expect(closed.status).toBe(200);
    expect(server.state.modalStack('U1')).toHaveLength(0);
    // notify_on_close: the app hears about it, as on Slack.
    expect(bot.requests.at(-1)?.parsed).toMatchObject({ type: 'view_closed', view: { id: viewId }, is_cleared: false });
  });
});

describe('state, stream and export', () => {
  it('gives each user only their own ephemeral messages', async () => {
    await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'just for alice' });
    await client.chat.postMessage({ channel: 'C1', text: 'for everyone' });
    const state = async (user: string) =>
      (await (await fetch(`${server.url}/workspace/state?user=${user}`)).json()) as {
        self: string;
        messages: Record<string, Array<{ text: string; ephemeral: boolean }>>;
      };
    const alice = await state('U1');
    expect(alice.messages.C1?.map((m) => [m.text, m.ephemeral])).toEqual([
      ['just for alice', true],
      ['for everyone', false],
    ]);
    const bob = await state('U2');
    expect(bob.messages.C1?.map((m) => m.text)).toEqual(['for everyone']);
    expect((await fetch(`${server.url}/workspace/state?user=U404`)).status).toBe(400);
    expect((await state('')).self).toBeDefined();
  });

  it('streams state changes as named events, without other users’ ephemeral messages', async () => {
    const controller = new AbortController();
    const res = await fetch(`${server.url}/workspace/stream?user=U2`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil(': connected');
    await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'secret for alice' });
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'v1' });
    await client.chat.update({ channel: 'C1', ts: posted.ts as string, text: 'v2' });
    await readUntil('event: message_changed');
    controller.abort();
    expect(text).toContain('event: message\ndata: {"channel":"C1"');
    expect(text).toContain('"text":"v2"');
    expect(text).not.toContain('secret for alice');
  });

  it('exports every request (minus its signature) and every call as a download', async () => {
    bot.reply(() => ({ body: { response_type: 'ephemeral', text: 'ok' } }));
    await post('/workspace/command', { userId: 'U1', channelId: 'C1', text: '/ops help' });
    await client.chat.postMessage({ channel: 'C1', text: 'hi' });
    const res = await fetch(`${server.url}/workspace/export`);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="opsdeck-recordings-.+\.json"$/);
    const body = (await res.json()) as {
      exportedAt: string;
      requests: Array<Record<string, unknown> & { headers: Record<string, string> }>;
      calls: Array<{ method: string }>;
    };
    expect(Date.parse(body.exportedAt)).not.toBeNaN();
    expect(body.requests).toHaveLength(1);
    const [command] = body.requests;
    expect(command).toMatchObject({
      kind: 'command',
      userId: 'U1',
      summary: '/ops help',
      status: 200,
      payload: { command: '/ops', text: 'help' },
      response: { status: 200, body: { text: 'ok' } },
    });
    expect(command!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(command!.headers['x-slack-request-timestamp']).toMatch(/^\d+$/);
    expect(command!.headers).not.toHaveProperty('x-slack-signature');
    expect(String(command!.body)).toContain('command=%2Fops');
    expect(body.calls.map((c) => c.method)).toContain('chat.postMessage');
  });
});

describe('describeRequest', () => {
  it('summarises each kind of request body', () => {
    expect(describeRequest({ command: '/ops', text: '', user_id: 'U1' })).toEqual({
      kind: 'command',
      userId: 'U1',
      summary: '/ops',
    });
    expect(
      describeRequest({
        type: 'block_actions',
        user: { id: 'U2' },
        actions: [{ action_id: 'pick', selected_option: { value: 'prod' } }],
      }),
    ).toEqual({ kind: 'block_actions', userId: 'U2', summary: 'pick → prod' });
    expect(describeRequest({ type: 'view_submission', user: { id: 'U1' }, view: { callback_id: 'deploy' } })).toEqual({
      kind: 'view_submission',
      userId: 'U1',
      summary: 'deploy',
    });
    expect(describeRequest({ type: 'event_callback', event: { type: 'app_home_opened', user: 'U1' } })).toEqual({
      kind: 'event_callback',
      userId: 'U1',
      summary: 'app_home_opened',
    });
    expect(describeRequest('garbage')).toEqual({ kind: 'raw', summary: '' });
  });
});
