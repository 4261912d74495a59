import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPEAT_SIGNAL_MS } from '../../src/lifecycle.js';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { localModeEnv, type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { deletePrefix, redisClient, uniquePrefix } from '../support/redis.js';

/**
 * Issue #8: Ctrl+C in a terminal sends SIGINT to the whole foreground process group, so under `npm start` Opsdeck gets
 * it twice, milliseconds apart (the terminal's and npm's forwarded copy). These tests signal the process group of a real
 * Opsdeck process twice in a row, as that terminal does.
 */

/** Ctrl+C as a terminal delivers it under npm: two SIGINTs to the process group, back to back. */
function ctrlC(proc: OpsdeckProcess): void {
  process.kill(-proc.child.pid!, 'SIGINT');
  process.kill(-proc.child.pid!, 'SIGINT');
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { ROLE: 'bot' } });
});
afterAll(() => h.close());

/** A worker process (its own process group) in the middle of a ping job: its reply is held until `hold.release()`. */
async function workerWithHeldPing(workerId: string) {
  const worker = spawnOpsdeck(
    { ...h.env, ROLE: 'worker', WORKER_ID: workerId, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '60000' },
    { detached: true },
  );
  await worker.waitForLog((line) => line.msg === 'opsdeck started');
  const hold = h.slack.faults.hold('response_url');
  const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));
  const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
  await held;
  return { worker, hold, res };
}

describe('Ctrl+C', () => {
  it('shuts down gracefully: the active job finishes and the process exits 0', async () => {
    const { worker, hold, res } = await workerWithHeldPing('ctrl-c');

    ctrlC(worker);
    await worker.waitForLog((line) => line.msg === 'shutting down');
    hold.release();

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('opsdeck stopped');
    expect(worker.output()).not.toContain('second signal');
    const path = new URL(res.responseUrl).pathname;
    const delivered = h.slack.calls.filter((c) => c.method === 'response_url' && c.path === path && c.status === 200);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.params.text).toContain('Pong from worker ctrl-c');
  });

  it('a second Ctrl+C a moment later exits at once', async () => {
    const { worker, hold } = await workerWithHeldPing('impatient');
    ctrlC(worker);
    await worker.waitForLog((line) => line.msg === 'shutting down');
    // The passage of time is what this test is about: there is no event to await instead.
    await delay(REPEAT_SIGNAL_MS + 100);
    ctrlC(worker);
    expect((await worker.exited).code).toBe(130);
    expect(worker.output()).toContain('second signal: exiting at once');
    hold.release();
  });

  it('stops npm start (the local workspace) gracefully', async () => {
    const prefix = uniquePrefix();
    const local = spawnOpsdeck(localModeEnv(prefix), { entry: 'local', detached: true });
    try {
      await local.waitForLog((line) => typeof line.workspaceUrl === 'string');
      ctrlC(local);
      expect(await local.exited).toEqual({ code: 0, signal: null });
      expect(local.output()).toContain('opsdeck stopped');
      expect(local.output()).not.toContain('second signal');
    } finally {
      const redis = redisClient();
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });
});
