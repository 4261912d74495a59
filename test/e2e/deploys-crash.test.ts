import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  answer,
  deployLog as deployLogOf,
  deployMessage as deployMessageOf,
  idOf,
  recordingDeploy,
} from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { killWorkerOf, type OpsdeckProcess, spawnWorkers, stopWorkers } from '../support/process.js';

/**
 * A worker killed with SIGKILL in the middle of a deploy: the deploy command must never run a second time. The job
 * is `onStall: 'interrupt'`: once its lock expires the surviving worker reports the deploy interrupted, with Retry /
 * Mark failed / Rollback for a human, instead of running the command again.
 */
let h: Harness;
let dir: string;
let workers: OpsdeckProcess[] = [];
const deployLog = () => deployLogOf(dir);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-deploys-crash-'));
  const opsYml = `${TEST_OPS_YML}
services:
  api:
    deploy:
      ${recordingDeploy(dir, { HOLD_UNTIL: join(dir, 'release') })}
      environments:
        staging: {}
`;
  writeFileSync(join(dir, 'ops.yml'), opsYml);
  h = await startHarness({ env: { ROLE: 'bot' }, opsYml });
  workers = await spawnWorkers(h.env, ['worker-a', 'worker-b'], join(dir, 'ops.yml'));
});

afterAll(async () => {
  // Lets the orphaned deploy command (it outlives the killed worker, in its own process group) finish.
  writeFileSync(join(dir, 'release'), '');
  await stopWorkers(workers);
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const deployMessage = (id: string, status: string) => deployMessageOf(h, id, status);

describe('a worker killed mid-deploy', () => {
  it('never runs the deploy command twice, and shows the deploy interrupted with the choices', async () => {
    const text = await answer(h, USERS.alice, 'deploy api 1.0.0');
    expect(text).toMatch(/^Requested/);
    const id = idOf(text);
    await deployMessage(id, 'running');
    await vi.waitFor(() => expect(deployLog()).toEqual(['api 1.0.0 staging']), { timeout: 20_000 });

    const [job] = await h.opsdeck.queues.queue('deploys-run').getJobs(['active']);
    await killWorkerOf(workers, job!);

    const interrupted = await deployMessage(id, 'interrupted');
    const buttons = JSON.stringify(interrupted.blocks);
    for (const label of ['Retry', 'Mark failed', 'Rollback']) expect(buttons).toContain(`"text":"${label}"`);
    expect(deployLog()).toEqual(['api 1.0.0 staging']);

    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: interrupted.ts,
      actionId: 'deploy_mark_failed',
    });
    const failed = await deployMessage(id, 'failed');
    expect(JSON.stringify(failed.blocks)).toContain('failed by <@U0ALICE>');
    expect(deployLog()).toEqual(['api 1.0.0 staging']);
  }, 60_000);
});
