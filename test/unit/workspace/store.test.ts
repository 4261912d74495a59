import { afterEach, describe, expect, it } from 'vitest';
import { redisKeys } from '../../../src/redis/keys.js';
import type { WorkspaceState } from '../../../src/workspace/server.js';
import { openWorkspaceStore, type WorkspaceStore, wipePrefix } from '../../../src/workspace/store.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../../support/redis.js';
import { startWorkspace, type WorkspaceFixture } from './fixture.js';

/**
 * Local mode's workspace persistence (issue #20): a workspace that stored itself in Redis comes back after a restart
 * with the same channels, messages, threads, reactions, pins, files and views, and never hands out an id or ts twice.
 */

const SECRET = 'store-secret';
const TOKEN = 'xoxb-store';

let prefix = uniquePrefix();
const open: Array<{ close(): Promise<void> }> = [];

afterEach(async () => {
  for (const thing of open.splice(0).reverse()) await thing.close();
  const redis = redisClient();
  await deletePrefix(redis, prefix);
  await redis.quit();
  prefix = uniquePrefix();
});

/** One run of a persisted workspace, as local mode starts it: open the store, restore, journal every change. */
async function run(now: () => number = Date.now): Promise<WorkspaceFixture & { store: WorkspaceStore }> {
  const store = await openWorkspaceStore({ url: redisUrl(), root: redisKeys(prefix).workspace });
  const workspace = await startWorkspace(SECRET, TOKEN, now, {
    persistence: { journal: store.journal, ...(store.stored ? { restore: store.stored } : {}) },
  });
  const handle = {
    ...workspace,
    store,
    async close() {
      await workspace.close();
      await store.close();
    },
  };
  open.push(handle);
  return handle;
}

async function restart(first: { close(): Promise<void> }, now?: () => number) {
  await first.close();
  open.splice(open.indexOf(first), 1);
  return run(now);
}

/** What a person sees of a workspace: everything but the objects' identity. */
function snapshot(state: WorkspaceState) {
  return JSON.parse(
    JSON.stringify({
      channels: [...state.channels.values()],
      messages: [...state.messages.entries()],
      pins: [...state.pins.entries()].map(([c, s]) => [c, [...s]]),
      files: [...state.files.values()].map((f) => ({ ...f, content: f.content?.toString('utf8') })),
      views: [...state.views.values()],
      homeViews: [...state.homeViews.entries()],
      modalStacks: [...state.modalStacks.entries()],
    }),
  );
}

describe('a persisted local workspace', () => {
  it('comes back after a restart as it was: channels, messages, threads, reactions, pins, files, Home', async () => {
    const first = await run();
    const { client } = first;
    const created = await client.conversations.create({ name: 'inc-1-api-down' });
    const channel = created.channel?.id as string;
    await client.conversations.invite({ channel, users: 'U1,U2' });
    await client.conversations.setTopic({ channel, topic: 'SEV1 · api down' });
    const card = await client.chat.postMessage({ channel, text: 'Incident #1: api down' });
    await client.chat.postMessage({ channel, text: 'paged the api team', thread_ts: card.ts as string });
    await client.chat.update({ channel, ts: card.ts as string, text: 'Incident #1: api down (mitigating)' });
    await client.reactions.add({ channel, timestamp: card.ts as string, name: 'eyes' });
    await client.pins.add({ channel, timestamp: card.ts as string });
    const gone = await client.chat.postMessage({ channel, text: 'posted by mistake' });
    await client.chat.delete({ channel, ts: gone.ts as string });
    await client.chat.postMessage({ channel: 'U1', text: 'you were paged' });
    await client.filesUploadV2({
      channel_id: channel,
      file: Buffer.from('12:00 paged\n'),
      filename: 'timeline.txt',
      initial_comment: 'timeline',
    });
    await client.views.publish({ user_id: 'U2', view: { type: 'home', blocks: [] } });
    const before = snapshot(first.server.state);

    const second = await restart(first);
    expect(snapshot(second.server.state)).toEqual({
      ...before,
      // The file's URLs name this run's address (the port may differ); their paths are the same.
      files: before.files.map((f: { urlPrivate: string; urlPrivateDownload: string }) => ({
        ...f,
        urlPrivate: second.server.url + new URL(f.urlPrivate).pathname,
        urlPrivateDownload: second.server.url + new URL(f.urlPrivateDownload).pathname,
      })),
    });
    const parent = second.server.state.getMessage(channel, card.ts as string);
    expect(parent).toMatchObject({ replyCount: 1, reactions: [{ name: 'eyes', count: 1 }] });
    const info = await second.client.conversations.info({ channel });
    expect(info.channel).toMatchObject({ name: 'inc-1-api-down', topic: { value: 'SEV1 · api down' } });

    // The bot still downloads the file from the new address.
    const file = [...second.server.state.files.values()][0]!;
    const download = await fetch(file.urlPrivateDownload, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await download.text()).toBe('12:00 paged\n');
  });

  it('never hands out an id twice, even one whose view was closed, nor a ts at or before a stored one', async () => {
    let clock = 1_800_000_000_000;
    const first = await run(() => clock);
    const firstChannel = (await first.client.conversations.create({ name: 'inc-1' })).channel?.id as string;
    // A modal opened and closed: its view id is gone from the state but was handed out.
    const { triggerId } = await first.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    const opened = await first.client.views.open({ trigger_id: triggerId, view: modal() });
    first.server.state.clearModals('U1');
    const last = await first.client.chat.postMessage({ channel: firstChannel, text: 'last before restart' });
    const handedOut = [firstChannel, opened.view?.id as string, ...first.server.state.channels.keys()];

    // The clock went back an hour (a laptop's clock corrected): still no ts at or before the stored ones.
    clock -= 3_600_000;
    const second = await restart(first, () => clock);
    const secondChannel = (await second.client.conversations.create({ name: 'inc-2' })).channel?.id as string;
    const { triggerId: again } = await second.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    const reopened = await second.client.views.open({ trigger_id: again, view: modal() });
    expect(handedOut).not.toContain(secondChannel);
    expect(handedOut).not.toContain(reopened.view?.id);
    const next = await second.client.chat.postMessage({ channel: firstChannel, text: 'first after restart' });
    expect(Number(next.ts)).toBeGreaterThan(Number(last.ts));
    expect(second.server.state.messages.get(firstChannel)?.map((m) => m.text)).toEqual([
      'last before restart',
      'first after restart',
    ]);
  });

  it('keeps the seeded channels it stored, with their topic, and adds seeded ones it did not have', async () => {
    const first = await run();
    await first.client.conversations.setTopic({ channel: 'C1', topic: 'ops room' });
    await first.close();
    open.splice(open.indexOf(first), 1);

    const store = await openWorkspaceStore({ url: redisUrl(), root: redisKeys(prefix).workspace });
    const second = await startWorkspace(SECRET, TOKEN, Date.now, {
      users: [
        { id: 'U1', name: 'alice' },
        { id: 'U2', name: 'bob' },
        { id: 'U3', name: 'carol' },
      ],
      channels: [
        { id: 'C1', name: 'ops' },
        { id: 'C9', name: 'new-service' },
      ],
      persistence: { journal: store.journal, ...(store.stored ? { restore: store.stored } : {}) },
    });
    open.push({
      async close() {
        await second.close();
        await store.close();
      },
    });
    const state = second.server.state;
    expect(state.channels.get('C1')).toMatchObject({ topic: { value: 'ops room' } });
    // A user the catalog gained since is in the seeded channels, as a first start would have made them.
    expect(state.channels.get('C1')?.members).toContain('U3');
    expect(state.channels.get('C9')?.members).toContain('U3');
  });

  it('is wiped with Opsdeck’s keys by wipePrefix (--fresh on a shared Redis), and nothing else is', async () => {
    const first = await run();
    await first.client.chat.postMessage({ channel: 'C1', text: 'before --fresh' });
    await first.store.flush();
    const redis = redisClient();
    const neighbour = `${prefix}x:kept`;
    await redis.set(`${prefix}:alerts:group:1`, '{}');
    await redis.set(neighbour, 'another installation');
    await restartAfter(first, () => wipePrefix(redisUrl(), prefix));
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
    expect(await redis.get(neighbour)).toBe('another installation');
    await redis.del(neighbour);
    await redis.quit();

    const second = await run();
    expect(second.store.stored).toBeUndefined();
    expect(second.server.state.messages.get('C1')).toEqual([]);
  });

  it('refuses a store of another format, saying how to start over', async () => {
    const redis = redisClient();
    await redis.hset(`${redisKeys(prefix).workspace}:meta`, { format: '0' });
    await redis.quit();
    await expect(openWorkspaceStore({ url: redisUrl(), root: redisKeys(prefix).workspace })).rejects.toThrow(
      /has format 0.*npm start -- --fresh/,
    );
  });
});

async function restartAfter(first: { close(): Promise<void> }, between: () => Promise<unknown>) {
  await first.close();
  open.splice(open.indexOf(first), 1);
  await between();
}

function modal() {
  return { type: 'modal' as const, title: { type: 'plain_text' as const, text: 'Declare' }, blocks: [] };
}
