import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { type OutboxWatch, watchOutbox } from '../support/outbox.js';
import { killWorkerOf, type OpsdeckProcess, spawnWorkers, stopWorkers } from '../support/process.js';

/**
 * A worker killed after Slack took its chat.postMessage but before it recorded the answer: Slack has no idempotency
 * key, so the post's next try must find the message (by the key in its metadata) instead of posting again. The
 * workspace applies each post and holds its answer; the test kills the worker sending it there, twenty times, each
 * post's rerun falls to another worker, and the channel ends with twenty messages, none twice.
 */
const KILLS = 20;
/** Live workers kept ahead of the kills; each kill starts a replacement at once. */
const POOL = 3;

let h: Harness;
let dir: string;
let outbox: OutboxWatch;
const workers: OpsdeckProcess[] = [];
/** Each worker by id, from its spawn: one may take a job before its start is awaited here. */
const starting = new Map<string, Promise<void>>();

function spawnOne(): Promise<void> {
  const id = `worker-${starting.size}`;
  const started = spawnWorkers(h.env, [id], join(dir, 'ops.yml')).then(([worker]) => {
    workers.push(worker!);
  });
  starting.set(id, started);
  return started;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-post-crash-'));
  writeFileSync(join(dir, 'ops.yml'), TEST_OPS_YML);
  h = await startHarness({ env: { ROLE: 'bot' } });
  outbox = await watchOutbox(h.opsdeck.redis);
  await Promise.all(Array.from({ length: POOL }, spawnOne));
}, 120_000); // three worker processes starting at once

afterAll(async () => {
  await stopWorkers(workers);
  await outbox?.close();
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The write key a post carries in its metadata. */
const keyOf = (params: Record<string, unknown>) =>
  String((params.metadata as { event_payload?: { key?: unknown } } | undefined)?.event_payload?.key);

describe('a worker killed between Slack’s answer and its record of it', () => {
  it('posts each message once however often it happens: twenty kills, twenty posts, no duplicates', async () => {
    // Every post is applied, then its answer waits: the sender is mid-request with the message already in Slack.
    const hold = h.slack.faults.hold('chat.postMessage', { afterApplying: true });
    const held: HeldRequest[] = [];
    const waiting: Array<(request: HeldRequest) => void> = [];
    const killed = new Set<string>();
    h.slack.events.on('held', (request: HeldRequest) => {
      // A post sent again after its kill would be a duplicate: let it through, the count below catches it.
      if (killed.has(keyOf(request.params))) return request.release();
      const next = waiting.shift();
      if (next) next(request);
      else held.push(request);
    });
    const nextHeld = () =>
      held.length > 0 ? Promise.resolve(held.shift()!) : new Promise<HeldRequest>((r) => waiting.push(r));
    const replacements: Promise<void>[] = [];

    for (let i = 0; i < KILLS; i++) {
      const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status' });
      expect(res.status).toBe(200);
      const request = await nextHeld();
      const key = keyOf(request.params);
      killed.add(key);
      const job = await outbox.job({ kind: 'post', key });
      await starting.get(job!.processedBy!);
      await killWorkerOf(workers, job!);
      // The server has seen the sender go: its answer reaches nobody, as when a worker dies mid-request.
      await request.senderGone;
      request.release();
      replacements.push(spawnOne());
    }
    hold.release();

    // Each post's rerun, on a surviving worker, finds the message its dead try made (or, when that rerun was cut off
    // by a later kill after adopting it, the one after finds it recorded): none is sent again.
    const results = await Promise.all([...killed].map((key) => outbox.finished({ kind: 'post', key })));
    expect(results.filter((r) => r !== 'adopted' && r !== 'already-sent')).toEqual([]);
    expect(results).toContain('adopted');
    const posts = h.slack.state.messages.get(CHANNEL)!.filter((m) => !m.threadTs && m.metadata !== undefined);
    expect(posts).toHaveLength(KILLS);
    expect(new Set(posts.map((m) => keyOf({ metadata: m.metadata }))).size).toBe(KILLS);
    for (const key of killed) {
      const message = posts.find((m) => keyOf({ metadata: m.metadata }) === key)!;
      expect(await h.opsdeck.outbox.ref(key)).toEqual({ channel: CHANNEL, ts: message.ts });
    }
    await Promise.all(replacements);
  }, 420_000); // twenty-three worker processes started: under a minute on a quiet 2-core machine, minutes on a loaded one
});
