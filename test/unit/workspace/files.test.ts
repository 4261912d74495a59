import type { WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SlackServer } from '../../../src/workspace/server.js';
import { RateLimiter } from '../../../src/workspace/web-api/rate-limits.js';
import type { BotReceiver } from './bot-receiver.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/**
 * Slack's file upload flow on the local workspace, over real HTTP: files.getUploadURLExternal, the bytes POSTed to
 * the upload URL (raw, or multipart as @slack/web-api's filesUploadV2 sends them), files.completeUploadExternal, and
 * the content served back at url_private to the bot's token.
 */

const SECRET = 'files-secret';
const TOKEN = 'xoxb-files';

let workspace: WorkspaceFixture;
let server: SlackServer;
let bot: BotReceiver;
let client: WebClient;

beforeEach(async () => {
  workspace = await startWorkspace(SECRET, TOKEN, Date.now, {
    // #quiet is public but the bot is not in it: Slack answers not_in_channel there.
    channels: [
      { id: 'C1', name: 'ops' },
      { id: 'C2', name: 'quiet', members: ['U1'] },
    ],
  });
  ({ server, bot, client } = workspace);
});
afterEach(() => workspace.close());

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { data?: { error?: string } }) => e.data?.error,
  );

/** Reserves a file and returns its upload URL and id, as an app does before uploading. */
async function reserve(filename: string, length: number): Promise<{ upload_url: string; file_id: string }> {
  const res = await client.files.getUploadURLExternal({ filename, length });
  return { upload_url: res.upload_url as string, file_id: res.file_id as string };
}

describe('files.getUploadURLExternal → upload → files.completeUploadExternal', () => {
  it('shares a file uploaded with filesUploadV2 (multipart) into a channel, content retrievable by the bot', async () => {
    const content = 'incident timeline\n12:00 paged\n12:05 mitigated\n';
    const result = await client.filesUploadV2({
      channel_id: 'C1',
      file: Buffer.from(content),
      filename: 'timeline.txt',
      title: 'Timeline',
      initial_comment: 'Here is the timeline',
    });
    const completed = (result.files as Array<{ files: Array<{ id: string; title: string }> }>)[0]?.files[0];
    expect(completed).toEqual({ id: expect.stringMatching(/^F/), title: 'Timeline' });

    const message = server.state.messages.get('C1')?.at(-1);
    expect(message).toMatchObject({ text: 'Here is the timeline', user: 'U0OPSBOT01', files: [completed?.id] });
    const history = await server.waitForCall((c) => c.method === 'files.completeUploadExternal');
    expect(history.response).toEqual({ ok: true, files: [completed] });

    // The message as Slack shapes it carries the file object (fetched through a block action's `message`).
    const upload = await server.waitForCall((c) => c.method === 'upload');
    expect(upload.status).toBe(200);
    const file = server.state.files.get(completed?.id ?? '');
    expect(file?.content?.toString('utf8')).toBe(content);

    const url = file?.urlPrivate ?? '';
    expect(url.startsWith(server.url)).toBe(true);
    const download = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('text/plain');
    expect(await download.text()).toBe(content);
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer xoxb-other' } })).status).toBe(401);
  });

  it('takes raw bytes, shares into a thread, and shapes the message files array like Slack', async () => {
    const parent = await client.chat.postMessage({ channel: 'C1', text: 'incident' });
    const bytes = Buffer.from('{"a":1}');
    const { upload_url, file_id } = await reserve('state.json', bytes.length);
    const uploaded = await fetch(upload_url, { method: 'POST', body: bytes });
    expect(uploaded.status).toBe(200);
    expect(await uploaded.text()).toBe(`OK - ${bytes.length}`);
    await client.files.completeUploadExternal({
      files: [{ id: file_id }],
      channel_id: 'C1',
      thread_ts: parent.ts as string,
    });
    const reply = server.state.replies('C1', parent.ts as string)[0];
    expect(reply?.files).toEqual([file_id]);

    // A person clicks a button on the reply: Slack's `message` carries the full file objects.
    server.state.updateMessage(
      reply!,
      {
        blocks: [
          { type: 'actions', elements: [{ type: 'button', action_id: 'x', text: { type: 'plain_text', text: 'x' } }] },
        ],
      },
      'U0OPSBOT01',
    );
    await server.sendBlockAction({ userId: 'U1', channelId: 'C1', messageTs: reply!.ts, actionId: 'x' });
    const payload = bot.requests.at(-1)?.parsed as { message: Record<string, unknown> };
    expect(payload.message.upload).toBe(true);
    expect(payload.message.files).toEqual([
      expect.objectContaining({
        id: file_id,
        name: 'state.json',
        title: 'state.json',
        mimetype: 'application/json',
        filetype: 'json',
        size: bytes.length,
        user: 'U0OPSBOT01',
        mode: 'hosted',
        is_external: false,
        url_private: expect.stringContaining(`/files-pri/T0OPSDECK1-${file_id}/state.json`),
        url_private_download: expect.stringContaining(`/files-pri/T0OPSDECK1-${file_id}/download/state.json`),
        channels: ['C1'],
      }),
    ]);
  });

  it('completes without a channel: the file exists but no message is posted', async () => {
    const { upload_url, file_id } = await reserve('notes.md', 2);
    await fetch(upload_url, { method: 'POST', body: 'hi' });
    const before = server.state.messages.get('C1')?.length;
    await client.files.completeUploadExternal({ files: [{ id: file_id, title: 'Notes' }] });
    expect(server.state.messages.get('C1')?.length).toBe(before);
    expect(server.state.files.get(file_id)).toMatchObject({ completed: true, title: 'Notes', shares: [] });
  });

  it("answers Slack's errors and applies nothing on one", async () => {
    expect(await errorOf(client.apiCall('files.getUploadURLExternal', { length: 3 }))).toBe('invalid_arguments');
    expect(await errorOf(client.apiCall('files.getUploadURLExternal', { filename: 'a.txt' }))).toBe(
      'invalid_arguments',
    );
    expect(await errorOf(client.files.getUploadURLExternal({ filename: 'a.txt', length: 0 }))).toBe(
      'invalid_arguments',
    );

    // Bytes that do not match the announced length are refused at the upload URL; the file stays un-uploaded.
    const mismatch = await reserve('a.txt', 10);
    const refused = await fetch(mismatch.upload_url, { method: 'POST', body: 'short' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('length mismatch');
    expect(
      await errorOf(client.files.completeUploadExternal({ files: [{ id: mismatch.file_id }], channel_id: 'C1' })),
    ).toBe('file_not_found');

    expect(await errorOf(client.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }], channel_id: 'C1' }))).toBe(
      'file_not_found',
    );
    expect(await errorOf(client.apiCall('files.completeUploadExternal', { channel_id: 'C1' }))).toBe(
      'invalid_arguments',
    );

    const ok = await reserve('b.txt', 3);
    await fetch(ok.upload_url, { method: 'POST', body: 'abc' });
    const complete = (channel_id: string) =>
      errorOf(client.files.completeUploadExternal({ files: [{ id: ok.file_id }], channel_id }));
    expect(await complete('C404')).toBe('channel_not_found');
    expect(await complete('C2')).toBe('not_in_channel');
    expect(server.state.files.get(ok.file_id)?.completed).toBe(false);
    expect(
      await errorOf(client.apiCall('files.completeUploadExternal', { files: [{ id: ok.file_id }], thread_ts: '1.2' })),
    ).toBe('invalid_arguments');
    expect(await complete('C1')).toBe('ok');
    // Completed once: the id names no pending upload any more, and its upload URL is spent.
    expect(await complete('C1')).toBe('file_not_found');
    expect((await fetch(ok.upload_url, { method: 'POST', body: 'abc' })).status).toBe(404);
  });

  it('rate-limits both methods at Tier 4 (100 per minute)', () => {
    const limiter = new RateLimiter({ now: () => 0 });
    for (const method of ['files.getUploadURLExternal', 'files.completeUploadExternal']) {
      const allowed = Array.from({ length: 120 }, () => limiter.check(method).allowed).filter(Boolean).length;
      expect(allowed, method).toBe(100);
    }
  });
});
