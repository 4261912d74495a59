import { ErrorCode, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackServer, type SlackServer } from '../../../src/workspace/server.js';
import { quietLogger } from './fixture.js';

const BOT_TOKEN = 'xoxb-test-token';
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

/** The WebClient logs Slack's error messages at ERROR level; these tests provoke them on purpose. */

let server: SlackServer;
let client: WebClient;
let clock: number;

async function start(options: { rateLimits?: boolean } = {}) {
  clock = 1_700_000_000_000;
  server = await createSlackServer({
    botToken: BOT_TOKEN,
    signingSecret: 'secret',
    now: () => clock,
    users: [
      { id: 'U1', name: 'alice', isAdmin: true },
      { id: 'U2', name: 'bob' },
      { id: 'U3', name: 'carol' },
    ],
    channels: [
      { id: 'C1', name: 'ops' },
      { id: 'C2', name: 'quietLogger', members: ['U1'] },
      { id: 'G1', name: 'secret', members: ['U1'], isPrivate: true },
    ],
    usergroups: { S1: ['U1', 'U2'] },
    ...options,
  });
  client = new WebClient(BOT_TOKEN, {
    slackApiUrl: server.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    logger: quietLogger,
  });
}

/** The error code a failed WebClient call carries (`data.error` for platform errors). */
async function errorOf(call: Promise<unknown>): Promise<string> {
  const err = (await call.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  )) as { code: string; data?: { error: string } };
  return err.code === ErrorCode.PlatformError ? (err.data?.error ?? '') : err.code;
}

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

describe('Slack-compatible Web API', () => {
  beforeEach(async () => {
    await start();
  });
  afterEach(async () => {
    await server.close();
  });

  it('answers auth.test with the bot identity', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: 'T0OPSDECK1', user_id: 'U0OPSBOT01', bot_id: 'B0OPSBOT01' });
    expect(res.url).toBe('https://opsdeck.slack.com/');
    expect(server.apiUrl).toBe(`${server.url}/api/`);
  });

  it('posts and updates messages, decoding form-encoded blocks', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'fallback', blocks: [section('*deploy*')] });
    expect(posted).toMatchObject({ ok: true, channel: 'C1' });
    expect(posted.message).toMatchObject({
      type: 'message',
      text: 'fallback',
      bot_id: 'B0OPSBOT01',
      user: 'U0OPSBOT01',
      blocks: [section('*deploy*')],
    });
    const call = await server.waitForCall((c) => c.method === 'chat.postMessage');
    expect(call.params.blocks).toEqual([section('*deploy*')]);
    expect(call.params).not.toHaveProperty('token');
    expect(call.status).toBe(200);

    const ts = posted.ts as string;
    const updated = await client.chat.update({ channel: 'C1', ts, text: 'done' });
    expect(updated).toMatchObject({ ok: true, channel: 'C1', ts, text: 'done' });
    const stored = server.state.getMessage('C1', ts);
    // Omitted blocks are kept, as on Slack.
    expect(stored).toMatchObject({ text: 'done', blocks: [section('*deploy*')], edited: { user: 'U0OPSBOT01' } });
    await client.chat.update({ channel: 'C1', ts, text: 'no blocks', blocks: [] });
    expect(server.state.getMessage('C1', ts)?.blocks).toBeUndefined();
  });

  it('threads replies and counts them on the parent', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'incident' });
    await client.chat.postMessage({ channel: 'C1', text: 'update 1', thread_ts: parent.ts });
    await client.chat.postMessage({ channel: 'C1', text: 'update 2', thread_ts: parent.ts });
    expect(server.state.replies('C1', parent.ts as string).map((m) => m.text)).toEqual(['update 1', 'update 2']);
    expect(server.state.getMessage('C1', parent.ts as string)?.replyCount).toBe(2);
  });

  it('answers auth and method errors like Slack, always with HTTP 200', async () => {
    const wrong = new WebClient('xoxb-wrong', {
      slackApiUrl: server.apiUrl,
      retryConfig: { retries: 0 },
      logger: quietLogger,
    });
    expect(await errorOf(wrong.auth.test())).toBe('invalid_auth');
    const none = await post('/api/auth.test', '', {});
    expect(none).toMatchObject({ status: 200, body: { ok: false, error: 'not_authed' } });
    expect(await errorOf(client.apiCall('chat.teleport', {}))).toBe('unknown_method');
    // The token may also come as a form field, and JSON bodies are accepted.
    const viaField = await post('/api/auth.test', `token=${BOT_TOKEN}`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(viaField.body.ok).toBe(true);
    const json = await post('/api/chat.postMessage', JSON.stringify({ channel: 'C1', blocks: [section('json')] }), {
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${BOT_TOKEN}`,
    });
    expect(json.body).toMatchObject({ ok: true, message: { blocks: [section('json')] } });
  });

  it('enforces message rules: channel_not_found, invalid_blocks, msg_too_long, no_text', async () => {
    expect(await errorOf(client.chat.postMessage({ channel: 'C404', text: 'x' }))).toBe('channel_not_found');
    // A private channel the bot is not in does not exist for it.
    expect(await errorOf(client.chat.postMessage({ channel: 'G1', text: 'x' }))).toBe('channel_not_found');
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: 'x', blocks: tooMany }))).toBe(
      'invalid_blocks',
    );
    const bad = await client.chat.postMessage({ channel: 'C1', blocks: [section('')] }).catch((e) => e.data);
    expect(bad.response_metadata.messages[0]).toContain('[json-pointer:/blocks/0/text/text]');
    expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: 'x'.repeat(40_001) }))).toBe('msg_too_long');
    expect(await errorOf(client.chat.postMessage({ channel: 'C1', text: '' }))).toBe('no_text');
    expect(server.state.visibleMessages('C1')).toHaveLength(0);
  });

  it('posts to a user id in a DM and finds channels by name', async () => {
    const dm = await client.chat.postMessage({ channel: 'U2', text: 'you are on call' });
    expect(dm.channel).toMatch(/^D/);
    expect(server.state.channels.get(dm.channel as string)?.members).toEqual(['U2', 'U0OPSBOT01']);
    const byName = await client.chat.postMessage({ channel: '#ops', text: 'hi' });
    expect(byName.channel).toBe('C1');
  });

  it('keeps ephemeral messages to their user and refuses to chat.update them', async () => {
    expect(await errorOf(client.chat.postEphemeral({ channel: 'C2', user: 'U2', text: 'x' }))).toBe(
      'user_not_in_channel',
    );
    expect(await errorOf(client.chat.postEphemeral({ channel: 'C1', user: 'U404', text: 'x' }))).toBe('user_not_found');
    const res = await client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'only you' });
    const ts = res.message_ts as string;
    expect(server.state.getMessage('C1', ts)).toMatchObject({ ephemeralFor: 'U1', text: 'only you' });
    expect(server.state.visibleMessages('C1', 'U2')).toHaveLength(0);
    expect(server.state.visibleMessages('C1', 'U1')).toHaveLength(1);
    expect(await errorOf(client.chat.update({ channel: 'C1', ts, text: 'edit' }))).toBe('cant_update_message');
    expect(await errorOf(client.chat.delete({ channel: 'C1', ts }))).toBe('message_not_found');
  });

  it('deletes bot messages', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'bye' });
    await expect(client.chat.delete({ channel: 'C1', ts: posted.ts as string })).resolves.toMatchObject({ ok: true });
    expect(server.state.getMessage('C1', posted.ts as string)).toBeUndefined();
    expect(await errorOf(client.chat.delete({ channel: 'C1', ts: posted.ts as string }))).toBe('message_not_found');
  });

  it('creates channels with Slack naming rules, invites, sets topics and joins', async () => {
    expect(await errorOf(client.conversations.create({ name: 'Inc 42' }))).toBe('invalid_name_specials');
    expect(await errorOf(client.conversations.create({ name: 'x'.repeat(81) }))).toBe('invalid_name_maxlength');
    expect(await errorOf(client.conversations.create({ name: 'ops' }))).toBe('name_taken');
    const created = await client.conversations.create({ name: 'inc-42_db' });
    const id = created.channel?.id as string;
    expect(created.channel).toMatchObject({ name: 'inc-42_db', is_private: false, is_member: true });

    expect(await errorOf(client.conversations.invite({ channel: id, users: 'S1' }))).toBe('user_not_found');
    expect(await errorOf(client.conversations.invite({ channel: id, users: 'U0OPSBOT01' }))).toBe('cant_invite_self');
    const group = await client.usergroups.users.list({ usergroup: 'S1' });
    await client.conversations.invite({ channel: id, users: (group.users as string[]).join(',') });
    expect(server.state.channels.get(id)?.members).toEqual(['U0OPSBOT01', 'U1', 'U2']);
    expect(await errorOf(client.conversations.invite({ channel: id, users: 'U1' }))).toBe('already_in_channel');

    const topic = await client.conversations.setTopic({ channel: id, topic: 'SEV1: db down' });
    expect(topic.channel).toMatchObject({ topic: { value: 'SEV1: db down', creator: 'U0OPSBOT01' } });
    expect(await errorOf(client.conversations.setTopic({ channel: 'C2', topic: 'x' }))).toBe('not_in_channel');
    expect((await client.conversations.info({ channel: id })).channel?.num_members).toBe(3);

    await client.conversations.join({ channel: 'C2' });
    expect(server.state.channels.get('C2')?.members).toContain('U0OPSBOT01');
    expect(await errorOf(client.usergroups.users.list({ usergroup: 'S404' }))).toBe('no_such_subteam');
    // Handles, for what `<!subteam^…>` shows; members only when asked.
    const groups = await client.usergroups.list({ include_users: true });
    expect(groups.usergroups).toEqual([expect.objectContaining({ id: 'S1', handle: '1', users: ['U1', 'U2'] })]);
    expect((await client.usergroups.list()).usergroups?.[0]).not.toHaveProperty('users');
  });

  it('pins, reacts and looks up users', async () => {
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'pin me' });
    const ts = posted.ts as string;
    await client.pins.add({ channel: 'C1', timestamp: ts });
    expect(server.state.pins.get('C1')?.has(ts)).toBe(true);
    expect(await errorOf(client.pins.add({ channel: 'C1', timestamp: ts }))).toBe('already_pinned');
    expect(await errorOf(client.pins.add({ channel: 'C1', timestamp: '1.000001' }))).toBe('message_not_found');
    await client.reactions.add({ channel: 'C1', timestamp: ts, name: 'eyes' });
    expect(server.state.getMessage('C1', ts)?.reactions).toEqual([{ name: 'eyes', users: ['U0OPSBOT01'], count: 1 }]);
    expect(await errorOf(client.reactions.add({ channel: 'C1', timestamp: ts, name: 'eyes' }))).toBe('already_reacted');
    const user = await client.users.info({ user: 'U1' });
    expect(user.user).toMatchObject({ id: 'U1', name: 'alice', is_admin: true, is_bot: false });
    expect(await errorOf(client.users.info({ user: 'U404' }))).toBe('user_not_found');
  });

  it('answers a burst of chat.postMessage to one channel with 429 and Retry-After', async () => {
    for (let i = 0; i < 4; i++) await client.chat.postMessage({ channel: 'C1', text: `m${i}` });
    const err = await client.chat.postMessage({ channel: 'C1', text: 'one too many' }).catch((e) => e);
    expect(err.code).toBe(ErrorCode.RateLimitedError);
    expect(err.retryAfter).toBe(1);
    const raw = await post('/api/chat.postMessage', 'channel=C1&text=again', {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Bearer ${BOT_TOKEN}`,
    });
    expect(raw).toMatchObject({ status: 429, body: { ok: false, error: 'ratelimited' } });
    expect(raw.headers.get('retry-after')).toBe('1');
    // Other channels and other methods are not blocked; the channel recovers after a second.
    await expect(client.chat.postMessage({ channel: 'C2', text: 'elsewhere' })).resolves.toMatchObject({ ok: true });
    clock += 1000;
    await expect(client.chat.postMessage({ channel: 'C1', text: 'later' })).resolves.toMatchObject({ ok: true });
    expect(server.calls.filter((c) => c.status === 429)).toHaveLength(2);
    expect(server.state.visibleMessages('C1')).toHaveLength(5);
  });

  it('lists public channels a page at a time, and private ones only when the bot is in them', async () => {
    await client.conversations.create({ name: 'hush', is_private: true });
    const names = async (types: string) => {
      const all: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.conversations.list({ types, limit: 1, ...(cursor ? { cursor } : {}) });
        all.push(...(page.channels ?? []).map((c) => c.name as string));
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
      return all;
    };
    expect(await names('public_channel')).not.toContain('hush');
    expect(await names('public_channel,private_channel')).toContain('hush');
    expect(await errorOf(client.conversations.list({ types: 'dm' }))).toBe('invalid_types');
  });

  it('applies a request and then fails it, when asked: the answer lost on the way', async () => {
    server.faults.failNext('conversations.create', { status: 503, afterApplying: true });
    const lost = await client.conversations.create({ name: 'inc-lost' }).catch((e) => e);
    expect(lost).toMatchObject({ statusCode: 503 });
    expect([...server.state.channels.values()].map((c) => c.name)).toContain('inc-lost');
  });

  it('injects failures: 503, then 429 with a chosen Retry-After', async () => {
    server.faults.failNext('chat.postMessage', { status: 503 });
    server.faults.failNext('chat.postMessage', { status: 429, retryAfter: 7 });
    const first = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e) => e);
    expect(first).toMatchObject({ code: ErrorCode.HTTPError, statusCode: 503 });
    const second = await client.chat.postMessage({ channel: 'C1', text: 'x' }).catch((e) => e);
    expect(second).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
    await expect(client.chat.postMessage({ channel: 'C1', text: 'x' })).resolves.toMatchObject({ ok: true });
    expect(server.calls.map((c) => c.status)).toEqual([503, 429, 200]);
  });

  it('holds requests until released, emitting held', async () => {
    const held = new Promise((resolve) => server.events.once('held', resolve));
    const hold = server.faults.hold('chat.postMessage');
    const pending = client.chat.postMessage({ channel: 'C1', text: 'in flight' });
    await expect(held).resolves.toMatchObject({ method: 'chat.postMessage', params: { text: 'in flight' } });
    expect(server.state.visibleMessages('C1')).toHaveLength(0);
    expect(server.calls).toHaveLength(0);
    // Other methods pass.
    await client.auth.test();
    hold.release();
    await expect(pending).resolves.toMatchObject({ ok: true });
    expect(server.state.visibleMessages('C1')).toHaveLength(1);
  });

  it('holds an answer after applying the request, when asked: Slack has it, the sender not yet', async () => {
    const held = new Promise<{ response?: { ts?: string } }>((resolve) => server.events.once('held', resolve));
    const hold = server.faults.hold('chat.postMessage', { afterApplying: true });
    const pending = client.chat.postMessage({ channel: 'C1', text: 'applied' });
    const request = await held;
    const [message] = server.state.visibleMessages('C1');
    expect(message?.text).toBe('applied');
    expect(request.response?.ts).toBe(message!.ts);
    hold.release();
    await expect(pending).resolves.toMatchObject({ ok: true, ts: message!.ts });
  });

  it('keeps message metadata as Slack does, and refuses malformed metadata', async () => {
    const metadata = { event_type: 'opsdeck_write', event_payload: { key: 'deploy-1' } };
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'tagged', metadata });
    expect(posted.message?.metadata).toEqual(metadata);
    expect(await errorOf(client.apiCall('chat.postMessage', { channel: 'C1', text: 'x', metadata: '{nope' }))).toBe(
      'invalid_metadata_format',
    );
    expect(
      await errorOf(client.apiCall('chat.postMessage', { channel: 'C1', text: 'x', metadata: { event_type: 'a' } })),
    ).toBe('invalid_metadata_schema');
  });

  it('reads history newest first and a thread oldest first, in a time window, a page at a time', async () => {
    const metadata = { event_type: 'opsdeck_write', event_payload: { key: 'k' } };
    const first = await client.chat.postMessage({ channel: 'C1', text: 'first' });
    clock += 1000;
    const second = await client.chat.postMessage({ channel: 'C1', text: 'second', metadata });
    await client.chat.postMessage({ channel: 'C1', text: 'reply', thread_ts: second.ts! });
    clock += 1000;
    await client.chat.postMessage({ channel: 'C1', text: 'third' });

    const all = await client.conversations.history({ channel: 'C1' });
    expect(all.messages?.map((m) => m.text)).toEqual(['third', 'second', 'first']);
    // Metadata only when asked for.
    expect(all.messages?.[1]?.metadata).toBeUndefined();
    const tagged = await client.conversations.history({ channel: 'C1', include_all_metadata: true });
    expect(tagged.messages?.[1]?.metadata).toEqual(metadata);
    // `oldest` and `latest` are exclusive unless `inclusive`.
    const window = { channel: 'C1', oldest: first.ts!, latest: second.ts! };
    expect((await client.conversations.history(window)).messages).toEqual([]);
    const inclusive = await client.conversations.history({ ...window, inclusive: true });
    expect(inclusive.messages?.map((m) => m.text)).toEqual(['second', 'first']);
    const page = await client.conversations.history({ channel: 'C1', limit: 2 });
    expect(page.messages?.map((m) => m.text)).toEqual(['third', 'second']);
    expect(page.has_more).toBe(true);
    const rest = await client.conversations.history({
      channel: 'C1',
      limit: 2,
      cursor: page.response_metadata?.next_cursor,
    });
    expect(rest.messages?.map((m) => m.text)).toEqual(['first']);
    expect(rest.has_more).toBe(false);

    const thread = await client.conversations.replies({ channel: 'C1', ts: second.ts!, include_all_metadata: true });
    expect(thread.messages?.map((m) => m.text)).toEqual(['second', 'reply']);
    expect(thread.messages?.[0]?.metadata).toEqual(metadata);
    expect(await errorOf(client.conversations.replies({ channel: 'C1', ts: '1.000000' }))).toBe('thread_not_found');
    expect(await errorOf(client.conversations.history({ channel: 'C9' }))).toBe('channel_not_found');
    expect(await errorOf(client.conversations.history({ channel: 'C1', oldest: 'soon' }))).toBe('invalid_ts_oldest');
  });

  it('waitForCall resolves for earlier and later calls and times out otherwise', async () => {
    await client.auth.test();
    await expect(server.waitForCall((c) => c.method === 'auth.test')).resolves.toMatchObject({ status: 200 });
    const later = server.waitForCall((c) => c.method === 'users.info' && c.params.user === 'U2');
    await client.users.info({ user: 'U2' });
    await expect(later).resolves.toMatchObject({ response: { ok: true } });
    await expect(server.waitForCall((c) => c.method === 'never', 20)).rejects.toThrow(/no matching call/);
  });

  it('emits state changes for a live view', async () => {
    const seen: string[] = [];
    for (const name of ['message', 'message_changed', 'message_deleted', 'channel_created']) {
      server.events.on(name, () => seen.push(name));
    }
    const posted = await client.chat.postMessage({ channel: 'C1', text: 'a' });
    await client.chat.update({ channel: 'C1', ts: posted.ts as string, text: 'b' });
    await client.chat.delete({ channel: 'C1', ts: posted.ts as string });
    await client.conversations.create({ name: 'new-one' });
    expect(seen).toEqual(['message', 'message_changed', 'message_deleted', 'channel_created']);
  });
});

describe('Slack-compatible Web API without rate limits', () => {
  afterEach(async () => {
    await server.close();
  });

  it('lets benchmarks post as fast as they like', async () => {
    await start({ rateLimits: false });
    const posts = Array.from({ length: 30 }, (_, i) => client.chat.postMessage({ channel: 'C1', text: `m${i}` }));
    await expect(Promise.all(posts)).resolves.toHaveLength(30);
    expect(server.calls.every((c) => c.status === 200)).toBe(true);
  });
});
