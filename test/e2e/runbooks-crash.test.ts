import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { killWorkerOf, type OpsdeckProcess, spawnWorkers, stopWorkers } from '../support/process.js';
import { recordingStep, runMessage, startRun, stepsLog } from '../support/runbooks.js';

/**
 * A worker killed with SIGKILL in the middle of a run. The step job is `onStall: 'interrupt'`: once its lock expires
 * a surviving worker takes the run over. Finished steps are never repeated (the step commands append to a file, which
 * shows it); a retryable step runs again by itself, any other waits for a human's Retry / Skip / Abort.
 */
let h: Harness;
let dir: string;
let workers: OpsdeckProcess[] = [];
const log = () => stepsLog(dir);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-runbooks-crash-'));
  const hold = { HOLD_UNTIL: join(dir, 'release') };
  const opsYml = `${TEST_OPS_YML}
runbooks:
  fragile:
    approval: { from: approver }
    steps:
      - { name: one, ${recordingStep(dir, ['one'])} }
      - { name: two, ${recordingStep(dir, ['two'], hold)} }
      - { name: three, ${recordingStep(dir, ['three'])} }
  sturdy:
    steps:
      - { name: first, ${recordingStep(dir, ['first'])} }
      - { name: second, retryable: true, ${recordingStep(dir, ['second'], { HOLD_UNTIL: join(dir, 'release-sturdy') })} }
      - { name: third, ${recordingStep(dir, ['third'])} }
  steady:
    steps:
      - { name: a, ${recordingStep(dir, ['steady-a'])} }
      - { name: b, ${recordingStep(dir, ['steady-b'], { HOLD_UNTIL: join(dir, 'release-steady') })} }
      - { name: c, ${recordingStep(dir, ['steady-c'])} }
`;
  writeFileSync(join(dir, 'ops.yml'), opsYml);
  h = await startHarness({ env: { ROLE: 'bot' }, opsYml });
  workers = await spawnWorkers(h.env, ['worker-a', 'worker-b', 'worker-c'], join(dir, 'ops.yml'));
}, 120_000);

afterAll(async () => {
  // Lets the orphaned step commands (they outlive the killed workers, in their own process groups) finish.
  writeFileSync(join(dir, 'release'), '');
  writeFileSync(join(dir, 'release-sturdy'), '');
  writeFileSync(join(dir, 'release-steady'), '');
  await stopWorkers(workers);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Kills (SIGKILL) the worker running the active step job. */
async function killStepWorker(): Promise<void> {
  const job = await vi.waitFor(
    async () => {
      const [active] = await h.opsdeck.queues.queue('runbooks-step').getJobs(['active']);
      expect(active?.processedBy).toBeDefined();
      return active!;
    },
    { timeout: 20_000 },
  );
  await killWorkerOf(workers, job);
}

describe('a worker killed mid-run', () => {
  it('never repeats a finished step, and a non-retryable interrupted step waits for a human', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'run fragile'));
    const gate = await runMessage(h, id, 'waiting for approval');
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: gate.ts,
      actionId: 'runbook_approve',
    });
    await vi.waitFor(() => expect(log()).toEqual(['one', 'two']), { timeout: 20_000 });
    await killStepWorker();

    const interrupted = await runMessage(h, id, 'interrupted — waiting for a human', { timeout: 60_000 });
    const shown = JSON.stringify(interrupted.blocks);
    for (const label of ['Retry', 'Skip', 'Abort']) expect(shown).toContain(`"text":"${label}"`);
    expect(shown).toMatch(/two\* interrupted/);
    expect(log()).toEqual(['one', 'two']);

    // The decision belongs to the approval role: alice (a deployer) is refused, bob skips the step.
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: interrupted.ts,
      actionId: 'runbook_skip',
    });
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: interrupted.ts,
      actionId: 'runbook_skip',
    });
    const done = await runMessage(h, id, 'succeeded');
    expect(JSON.stringify(done.blocks)).toMatch(/two\* skipped.*interrupted; skipped by <@U0BOB>/);
    expect(log()).toEqual(['one', 'two', 'three']);
    const audit = await h.opsdeck.audit.latest(30);
    expect(audit.map((e) => `${e.actor} ${e.action} ${e.outcome}`)).toEqual(
      expect.arrayContaining(['U0ALICE runbooks.skip denied', 'U0BOB runbooks.skip ok']),
    );
  }, 90_000);

  it('runs a retryable interrupted step again by itself, still without repeating the finished one', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'run sturdy'));
    await vi.waitFor(() => expect(log()).toContain('second'), { timeout: 20_000 });
    await killStepWorker();
    // The surviving worker starts `second` again (attempt 2)…
    await vi.waitFor(() => expect(log().filter((line) => line === 'second')).toHaveLength(2), { timeout: 60_000 });
    writeFileSync(join(dir, 'release-sturdy'), '');
    const done = await runMessage(h, id, 'succeeded', { timeout: 60_000 });
    expect(JSON.stringify(done.blocks)).toMatch(/second\* done in .*\(attempt 2\)/);
    // …and `first` ran once.
    expect(log().filter((line) => line === 'first')).toEqual(['first']);
    expect(log().filter((line) => line === 'third')).toEqual(['third']);
  }, 90_000);

  it('starts no later step early when a start job runs again while its run is under way', async () => {
    // BullMQ runs a start job again when its worker died before the job was marked done: by then the run may be well
    // under way. Running it again only finishes starting the run; it must not hand out the step after the running one.
    const steady = () => log().filter((line) => line.startsWith('steady-'));
    const id = await startRun(h, () => answer(h, USERS.alice, 'run steady'));
    await vi.waitFor(() => expect(steady()).toEqual(['steady-a', 'steady-b']), { timeout: 20_000 });
    const starts = h.opsdeck.queues.queue('runbooks-start');
    const first = await vi.waitFor(
      async () => {
        const done = (await starts.getJobs(['completed'])).find((job) => job.returnvalue?.run === id);
        expect(done).toBeDefined();
        return done!;
      },
      { timeout: 20_000 },
    );
    const again = await starts.add(first.name, first.data, { jobId: `${first.id}-again` });
    await vi.waitFor(async () => expect(await again.isCompleted()).toBe(true), { timeout: 20_000 });
    // What the rerun handed out runs at once (`c` is quick): let it end before reading the step commands' log.
    const early = await h.opsdeck.queues.queue('runbooks-step').getJob(`rb-${id}-2-0`);
    if (early) await vi.waitFor(async () => expect(await early.isActive()).toBe(false), { timeout: 20_000 });
    expect(steady()).toEqual(['steady-a', 'steady-b']);
    expect(early).toBeUndefined();
    writeFileSync(join(dir, 'release-steady'), '');
    await runMessage(h, id, 'succeeded', { timeout: 60_000 });
    expect(steady()).toEqual(['steady-a', 'steady-b', 'steady-b released', 'steady-c']);
  }, 90_000);
});
