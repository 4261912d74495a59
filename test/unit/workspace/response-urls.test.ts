import { describe, expect, it } from 'vitest';
import { RESPONSE_URL_TTL_MS } from '../../../src/workspace/delivery/response-urls.js';
import { useWorkspace } from './fixture.js';

const SECRET = 'response-url-secret';
const BOT_TOKEN = 'xoxb-response-urls';
const button = {
  type: 'actions',
  elements: [{ type: 'button', action_id: 'ack', text: { type: 'plain_text', text: 'Ack' } }],
};

const ws = useWorkspace(SECRET, BOT_TOKEN);

async function respond(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The response_url Slack put in the last request the bot received. */
function lastResponseUrl(): string {
  return ws.bot.requests.at(-1)?.parsed.response_url as string;
}

describe('response_url', () => {
  it('accepts 5 uses, then answers 404 used_url; replies are ephemeral unless in_channel', async () => {
    const { responseUrl } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'status' });
    for (let i = 1; i <= 4; i++)
      expect(await respond(responseUrl, { text: `private ${i}` })).toEqual({ status: 200, body: { ok: true } });
    expect((await respond(responseUrl, { text: 'public', response_type: 'in_channel' })).status).toBe(200);
    expect(await respond(responseUrl, { text: 'sixth' })).toEqual({
      status: 404,
      body: { ok: false, error: 'used_url' },
    });

    expect(ws.server.state.visibleMessages('C1', 'U2').map((m) => m.text)).toEqual(['public']);
    expect(ws.server.state.visibleMessages('C1', 'U1')).toHaveLength(5);
    const uses = ws.server.calls.filter((c) => c.method === 'response_url');
    expect(uses.map((c) => c.status)).toEqual([200, 200, 200, 200, 200, 404]);
    expect(uses[0]?.params).toEqual({ text: 'private 1' });
  });

  it('expires after 30 minutes', async () => {
    const { responseUrl } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'status' });
    ws.clock += RESPONSE_URL_TTL_MS + 1;
    expect(await respond(responseUrl, { text: 'late' })).toEqual({
      status: 404,
      body: { ok: false, error: 'expired_url' },
    });
    expect((await respond(`${ws.server.url}/response/nope`, { text: 'x' })).status).toBe(404);
  });

  it('applies block rules (400) without using up the url', async () => {
    const { responseUrl } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    const bad = await respond(responseUrl, { blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) });
    expect(bad).toMatchObject({ status: 400, body: { ok: false, error: 'invalid_blocks' } });
    expect((await respond(responseUrl, {})).body.error).toBe('no_text');
    for (let i = 0; i < 5; i++) expect((await respond(responseUrl, { text: 'ok' })).status).toBe(200);
  });

  it("replaces a command's previous reply with replace_original (Working… → Done), staying ephemeral", async () => {
    ws.bot.reply(() => ({ body: 'Working…' }));
    const { responseUrl } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'deploy' });
    await respond(responseUrl, { text: 'Done', replace_original: true });
    const messages = ws.server.state.visibleMessages('C1', 'U1');
    expect(messages.map((m) => [m.text, m.ephemeralFor])).toEqual([['Done', 'U1']]);
    await respond(responseUrl, { delete_original: true });
    expect(ws.server.state.visibleMessages('C1', 'U1')).toHaveLength(0);
  });

  it('replaces and deletes the source message of a block action', async () => {
    const posted = await ws.client.chat.postMessage({ channel: 'C1', text: 'Alert firing', blocks: [button] });
    const ts = posted.ts as string;
    await ws.server.sendBlockAction({ userId: 'U2', channelId: 'C1', messageTs: ts, actionId: 'ack' });
    const url = lastResponseUrl();
    const changed = new Promise((resolve) => ws.server.events.once('message_changed', resolve));
    expect((await respond(url, { text: 'Acked by bob', replace_original: true })).status).toBe(200);
    await expect(changed).resolves.toMatchObject({ message: { ts, text: 'Acked by bob' } });
    // A replacement is a whole message: blocks not sent are gone; the message stays public.
    const replaced = ws.server.state.getMessage('C1', ts);
    expect(replaced?.text).toBe('Acked by bob');
    expect(replaced?.blocks).toBeUndefined();
    expect(replaced?.ephemeralFor).toBeUndefined();
    expect((await respond(url, { text: 'thread note', response_type: 'in_channel', thread_ts: ts })).status).toBe(200);
    expect(ws.server.state.replies('C1', ts).map((m) => m.text)).toEqual(['thread note']);
    expect((await respond(url, { delete_original: true })).status).toBe(200);
    expect(ws.server.state.getMessage('C1', ts)).toBeUndefined();
    expect((await respond(url, { text: 'gone', replace_original: true })).body.error).toBe('message_not_found');
  });

  it('replaces an ephemeral source message in place, still only for its user', async () => {
    const eph = await ws.client.chat.postEphemeral({ channel: 'C1', user: 'U1', text: 'Confirm?', blocks: [button] });
    const ts = eph.message_ts as string;
    await ws.server.sendBlockAction({ userId: 'U1', channelId: 'C1', messageTs: ts, actionId: 'ack' });
    await respond(lastResponseUrl(), { text: 'Confirmed', replace_original: true });
    expect(ws.server.state.getMessage('C1', ts)).toMatchObject({ text: 'Confirmed', ephemeralFor: 'U1' });
    expect(ws.server.state.visibleMessages('C1', 'U2')).toHaveLength(0);
  });

  it('can fail or hold response_url uses', async () => {
    const { responseUrl } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    ws.server.faults.failNext('response_url', { status: 500 });
    expect((await respond(responseUrl, { text: 'a' })).status).toBe(500);
    const held = new Promise((resolve) => ws.server.events.once('held', resolve));
    const hold = ws.server.faults.hold('response_url');
    const pending = respond(responseUrl, { text: 'b' });
    await expect(held).resolves.toMatchObject({ method: 'response_url', params: { text: 'b' } });
    expect(ws.server.state.visibleMessages('C1', 'U1')).toHaveLength(0);
    hold.release();
    expect((await pending).status).toBe(200);
    expect(ws.server.state.visibleMessages('C1', 'U1').map((m) => m.text)).toEqual(['b']);
  });
});
