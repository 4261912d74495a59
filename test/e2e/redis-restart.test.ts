import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/workspace/local/private-redis.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { queueReconnected } from '../support/queues.js';

/** R3: Redis killed and restarted (AOF on). Opsdeck must consume again without a restart of its own. */
const dir = mkdtempSync(join(tmpdir(), 'opsdeck-restart-'));
let redis: PrivateRedis;
let h: Harness;

beforeAll(async () => {
  redis = await startPrivateRedis({ dir });
  h = await startHarness({ env: { REDIS_URL: redis.url } });
});

afterAll(async () => {
  await h.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Redis restart', () => {
  it('is survived: readiness drops, comes back, and commands work again', async () => {
    const before = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    await h.slack.waitForCall((c) => c.method === 'response_url' && c.path === new URL(before.responseUrl).pathname);

    await redis.kill();
    await vi.waitFor(async () => expect((await fetch(`${h.opsdeck.url}/readyz`)).status).toBe(503), {
      timeout: 10_000,
      interval: 50,
    });

    redis = await startPrivateRedis({ dir, port: redis.port });
    await vi.waitFor(async () => expect((await fetch(`${h.opsdeck.url}/readyz`)).status).toBe(200), {
      timeout: 30_000,
      interval: 100,
    });
    await queueReconnected(h.opsdeck.queues.queue('ping'));

    const after = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(after.status).toBe(200);
    const reply = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(after.responseUrl).pathname,
      30_000,
    );
    expect(reply.params.text).toContain('Pong from worker');
  }, 60_000);
});
