import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { spawnOpsdeck } from '../support/process.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { ROLE: 'bot' } });
});
afterAll(() => h.close());

describe('SIGTERM', () => {
  it('stops taking work, lets the active job finish, and exits 0 (R2)', async () => {
    const worker = spawnOpsdeck({
      ...h.env,
      ROLE: 'worker',
      WORKER_ID: 'graceful',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '20000',
    });
    await worker.waitForLog((line) => line.msg === 'opsdeck started');

    const hold = h.slack.faults.hold('response_url');
    const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    await held;

    worker.child.kill('SIGTERM');
    await worker.waitForLog((line) => line.msg === 'shutting down');
    hold.release();

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.output()).toContain('opsdeck stopped');
    const path = new URL(res.responseUrl).pathname;
    const delivered = h.slack.calls.filter((c) => c.method === 'response_url' && c.path === path && c.status === 200);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.params.text).toContain('Pong from worker graceful');
  });

  it('exits at once on a second signal', async () => {
    const worker = spawnOpsdeck({
      ...h.env,
      ROLE: 'worker',
      WORKER_ID: 'impatient',
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT_MS: '60000',
    });
    await worker.waitForLog((line) => line.msg === 'opsdeck started');
    const hold = h.slack.faults.hold('response_url');
    const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    await held;
    worker.child.kill('SIGTERM');
    await worker.waitForLog((line) => line.msg === 'shutting down');
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(130);
    hold.release();
  });
});
