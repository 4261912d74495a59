import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OutboxWatch, watchOutbox } from '../support/outbox.js';
import { type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { finished } from '../support/queues.js';

/**
 * R1 for the foundation: a worker killed with SIGKILL in the middle of a job — the outbox job sending a reply. The
 * job's lock expires (JOB_LOCK_MS), another worker recovers it, and the user gets exactly one reply.
 */
let h: Harness;
let outbox: OutboxWatch;
const workers: OpsdeckProcess[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { ROLE: 'bot' } });
  for (const id of ['worker-a', 'worker-b']) {
    const proc = spawnOpsdeck({ ...h.env, ROLE: 'worker', WORKER_ID: id, JOB_LOCK_MS: '3000', LOG_LEVEL: 'info' });
    workers.push(proc);
  }
  await Promise.all(workers.map((w) => w.waitForLog((line) => line.msg === 'opsdeck started')));
  outbox = await watchOutbox(h.opsdeck.redis);
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await outbox.close();
  await h.close();
});

describe('a worker killed mid-job', () => {
  it('has its reply delivered exactly once by another worker', async () => {
    const hold = h.slack.faults.hold('response_url');
    const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));

    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.status).toBe(200);

    // The worker delivering the reply (through the outbox, whichever worker answered the ping) is now blocked
    // sending it: kill it there.
    const inFlight = await held;
    const [sending] = await outbox.jobs.getJobs(['active']);
    const victimId = sending!.processedBy!;
    const victim = workers.find((w) => w.output().includes(`"workerId":"${victimId}"`))!;
    const survivorId = victimId === 'worker-a' ? 'worker-b' : 'worker-a';
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    // The server must have seen the dead sender's connection close before it lets the request go, or it would answer
    // (and apply) a request nobody is waiting for: the write never reached Slack, as when a worker dies mid-request.
    await inFlight.senderGone;
    hold.release();

    const path = new URL(res.responseUrl).pathname;
    const reply = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === path && c.status === 200,
      20_000,
    );
    expect(reply.params.text).toContain('Pong from worker');
    // The stalled delivery was taken over once its lock expired, and finished by the survivor.
    expect(await finished(outbox.jobs, outbox.events, sending!.id!)).toBe('sent');
    expect((await outbox.jobs.getJob(sending!.id!))!.processedBy).toBe(survivorId);
    expect(
      h.slack.calls.filter((c) => c.method === 'response_url' && c.path === path && c.status === 200),
    ).toHaveLength(1);
    for (const queue of [h.opsdeck.queues.queue('ping'), outbox.jobs]) {
      expect(await queue.getJobCounts('waiting', 'active', 'failed')).toMatchObject({
        waiting: 0,
        active: 0,
        failed: 0,
      });
    }
  }, 60_000); // its own waits allow 20 s each for recovery and completion; the default 20 s would cut them short
});
