import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer, deployLog, deployMessage, idOf, recordingDeploy } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { type OpsdeckProcess, spawnOpsdeck, spawnWorkers, stopWorkers } from '../support/process.js';
import { roundRobin } from '../support/proxy.js';
import { recordingStep, runMessage, startRun, stepsLog } from '../support/runbooks.js';

/**
 * A rolling restart, as a Deployment's rollout or `docker compose up` of a new image does it: each process is
 * replaced by a new one, which starts first, and the old one gets SIGTERM. Workers are replaced while deploys and
 * runbook steps are running on them: nothing is lost and nothing runs twice (the commands append to files, which
 * shows it). Bots are replaced behind a round-robin balancer while Slack requests keep coming: every request is
 * answered, within Slack's 3 s.
 */
const SERVICES = ['s1', 's2', 's3'];
let h: Harness;
let dir: string;
let opsYmlPath: string;
const processes: OpsdeckProcess[] = [];
let bots: Array<{ proc: OpsdeckProcess; url: string }> = [];
let proxy: Awaited<ReturnType<typeof roundRobin>>;

async function startBot(): Promise<{ proc: OpsdeckProcess; url: string }> {
  const proc = spawnOpsdeck({ ...h.env, ROLE: 'bot', LOG_LEVEL: 'info', OPS_CONFIG: opsYmlPath });
  processes.push(proc);
  const started = await proc.waitForLog((line) => line.msg === 'opsdeck started');
  return { proc, url: String(started.url) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-rolling-'));
  const hold = { HOLD_UNTIL: join(dir, 'release') };
  const opsYml = `${TEST_OPS_YML}
services:
${SERVICES.map(
  (name) => `  ${name}:
    deploy:
      ${recordingDeploy(dir, hold)}
      environments:
        staging: {}`,
).join('\n')}
runbooks:
  rotate:
    steps:
      - { name: first, ${recordingStep(dir, ['first'], hold)} }
      - { name: second, ${recordingStep(dir, ['second'])} }
      - { name: third, ${recordingStep(dir, ['third'])} }
`;
  opsYmlPath = join(dir, 'ops.yml');
  writeFileSync(opsYmlPath, opsYml);
  // The harness gives the Slack-compatible server, Redis and the environment; Slack talks only to the spawned bots.
  h = await startHarness({ env: { ROLE: 'bot' }, opsYml });
  bots = await Promise.all([startBot(), startBot()]);
  proxy = await roundRobin(() => bots.map((b) => b.url));
  h.slack.setRequestUrl(`${proxy.url}/slack/events`);
}, 120_000);

afterAll(async () => {
  writeFileSync(join(dir, 'release'), '');
  await stopWorkers(processes);
  await proxy?.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a rolling restart', () => {
  it('replaces every worker while deploys and runbook steps run on them: each runs once and all finish', async () => {
    const workers = await spawnWorkers(h.env, ['old-a', 'old-b', 'old-c'], opsYmlPath);
    processes.push(...workers);
    const deploys = await Promise.all(
      SERVICES.map(async (service) => idOf(await answer(h, USERS.alice, `deploy ${service} 2.0.0`))),
    );
    const run = await startRun(h, () => answer(h, USERS.alice, 'run rotate'));
    // Every deploy command and the first step are running (they hold until released).
    await vi.waitFor(
      () => {
        expect(deployLog(dir)).toHaveLength(SERVICES.length);
        expect(stepsLog(dir)).toEqual(['first']);
      },
      { timeout: 30_000 },
    );

    // One by one: a new worker starts, then the old one is told to stop and drains what it runs.
    const stopping: Array<Promise<{ code: number | null }>> = [];
    for (const [i, old] of workers.entries()) {
      const [fresh] = await spawnWorkers(h.env, [`new-${i}`], opsYmlPath);
      processes.push(fresh!);
      old.child.kill('SIGTERM');
      stopping.push(old.exited);
    }
    writeFileSync(join(dir, 'release'), '');

    // The old workers finish their jobs and exit cleanly; the rest of the work runs on the new ones.
    for (const exit of await Promise.all(stopping)) expect(exit.code).toBe(0);
    for (const id of deploys) await deployMessage(h, id, 'succeeded');
    await runMessage(h, run, 'succeeded', { timeout: 30_000 });
    expect(deployLog(dir).sort()).toEqual(SERVICES.map((service) => `${service} 2.0.0 staging`));
    expect(stepsLog(dir)).toEqual(['first', 'first released', 'second', 'third']);
  }, 180_000);

  it('replaces every bot behind the balancer without an unanswered Slack request', async () => {
    const answers: Array<Promise<{ status: number; ackMs: number }>> = [];
    let sending = true;
    const traffic = (async () => {
      while (sending) {
        const sent = h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'help' });
        answers.push(sent);
        await sent;
      }
    })();
    const served = () => answers.length;

    for (let i = 0; i < bots.length; i++) {
      const old = bots[i]!;
      const fresh = await startBot();
      // The balancer sends to the new bot and stops sending to the old one, then the old one is told to stop: the
      // requests it is answering still get their answers.
      bots = bots.map((b) => (b === old ? fresh : b));
      const before = served();
      old.proc.child.kill('SIGTERM');
      expect((await old.proc.exited).code).toBe(0);
      await vi.waitFor(() => expect(served()).toBeGreaterThan(before + 5), { timeout: 30_000 });
    }
    sending = false;
    await traffic;

    const results = await Promise.all(answers);
    expect(results.length).toBeGreaterThan(10);
    for (const result of results) {
      expect(result.status).toBe(200);
      // Slack's rule for every request: an answer within 3 s, or the user sees an error.
      expect(result.ackMs).toBeLessThan(3_000);
    }
  }, 180_000);
});
