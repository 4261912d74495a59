import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldRequest } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { eventsFromStart, jobsInAnyState } from '../support/queues.js';

/**
 * R1 for the foundation: a worker killed with SIGKILL in the middle of a job. The job's lock expires (JOB_LOCK_MS),
 * another worker recovers it, and the user gets exactly one reply.
 *
 * The job's completion is read from the queue's event stream from its first entry (`eventsFromStart`), not with
 * `job.waitUntilFinished`: that one checks "finished yet?" and then listens from `$` (new events only), and its
 * listener issues its first XREAD one round trip (CLIENT SETNAME) after it reports ready. A job that completes in
 * that gap — right when the survivor finishes, which is when this test asks, and a gap that widens when the CPU is
 * busy with the rest of the suite — was never reported, and the wait timed out ("no finish notification arrived").
 * Replaying the stream cannot miss an event, whatever the timing.
 */
let h: Harness;
const workers: OpsdeckProcess[] = [];

beforeAll(async () => {
  h = await startHarness({ env: { ROLE: 'bot' } });
  for (const id of ['worker-a', 'worker-b']) {
    const proc = spawnOpsdeck({ ...h.env, ROLE: 'worker', WORKER_ID: id, JOB_LOCK_MS: '3000', LOG_LEVEL: 'info' });
    workers.push(proc);
  }
  await Promise.all(workers.map((w) => w.waitForLog((line) => line.msg === 'opsdeck started')));
});

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await h.close();
});

describe('a worker killed mid-job', () => {
  it('has its job finished exactly once by another worker', async () => {
    const hold = h.slack.faults.hold('response_url');
    const held = new Promise<HeldRequest>((resolve) => h.slack.events.once('held', resolve));

    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.status).toBe(200);

    // The worker is now blocked sending its reply: kill it there.
    const inFlight = await held;
    const victimId = /Pong from worker (worker-[ab])/.exec(String(inFlight.params.text))![1]!;
    const victim = workers.find((w) => w.output().includes(`"workerId":"${victimId}"`))!;
    const survivorId = victimId === 'worker-a' ? 'worker-b' : 'worker-a';
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    hold.release();

    const path = new URL(res.responseUrl).pathname;
    const reply = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === path && c.status === 200,
      20_000,
    );
    expect(reply.params.text).toContain(`Pong from worker ${survivorId}`);
    expect(JSON.stringify(reply.params.blocks)).toContain('Delivered on attempt 2');

    const queue = h.opsdeck.queues.queue('ping');
    const [job] = await queue.getJobs(['active', 'completed', 'waiting']);
    const events = eventsFromStart(h.opsdeck.redis, 'ping');
    try {
      const [completed] = (await once(events, `completed:${job!.id}`)) as [{ returnvalue: unknown }];
      expect(completed.returnvalue).toMatchObject({ workerId: survivorId });
    } finally {
      await events.close();
    }
    expect(
      h.slack.calls.filter((c) => c.method === 'response_url' && c.path === path && c.status === 200),
    ).toHaveLength(1);
    // One job in the queue, in any state, and it is the completed one.
    expect(await jobsInAnyState(queue)).toBe(1);
    expect(await queue.getJobState(job!.id!)).toBe('completed');
  }, 60_000); // recovery may take 20 s under load, then completion; the default 20 s would cut them short
});
