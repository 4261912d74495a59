import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, servicesYml, startHarness } from '../support/harness.js';
import { type OpsdeckProcess, spawnWorkers, stopWorkers } from '../support/process.js';
import { redisUrl } from '../support/redis.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * A rollout: worker replicas on two different ops.yml files share one Redis. The newer config's schedulers stay,
 * however the older replicas start or restart around it.
 */
let h: Harness;
let dir: string;
let target: Awaited<ReturnType<typeof startHttpTarget>>;
let queue: Queue;
const workers: OpsdeckProcess[] = [];

beforeAll(async () => {
  target = await startHttpTarget((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  h = await startHarness({ env: { ROLE: 'bot' } });
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-rollout-'));
  queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${h.prefix}:q` });
});

afterAll(async () => {
  await stopWorkers(workers);
  await queue?.close();
  await h?.close();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

function opsYml(name: string, checks: string): string {
  const path = join(dir, name);
  writeFileSync(path, servicesYml(`\n  api:\n    channel: C0OPS\n    checks:\n${checks}`));
  return path;
}

async function schedulers(): Promise<Array<[string, number | null | undefined]>> {
  const all = await queue.getJobSchedulers(0, -1);
  return all.map((s): [string, number | null | undefined] => [s.key, s.every]).sort(([a], [b]) => a.localeCompare(b));
}

const applied = (line: Record<string, unknown>) => line.msg === 'schedules applied';
const leftToNewer = (line: Record<string, unknown>) => line.msg === 'schedules left to a newer ops.yml';

describe('scheduler sync during a rollout', () => {
  it('follows the newest ops.yml: a replica on the older one never removes or overwrites its schedulers', {
    timeout: 60_000,
  }, async () => {
    const older = opsYml(
      'old.yml',
      `      http: { type: http, url: "${target.url}/healthz", interval: 30s }\n      legacy: { type: http, url: "${target.url}/old", interval: 30s }\n`,
    );
    const newer = opsYml(
      'new.yml',
      `      http: { type: http, url: "${target.url}/healthz", interval: 1s, failuresBeforeAlert: 1 }\n      port: { type: tcp, host: 127.0.0.1, port: ${new URL(target.url).port}, interval: 20s }\n`,
    );

    // The old replica runs first: its schedulers are the deployment's.
    const [oldA] = await spawnWorkers(h.env, ['old-a'], older);
    workers.push(oldA!);
    await oldA!.waitForLog(applied);
    expect(await schedulers()).toEqual([
      ['check-api-http', 30_000],
      ['check-api-legacy', 30_000],
    ]);

    // The new config rolls out: its replica's schedulers replace the old ones.
    const [newA] = await spawnWorkers(h.env, ['new-a'], newer);
    workers.push(newA!);
    await newA!.waitForLog(applied);
    const newest = [
      ['check-api-http', 1000],
      ['check-api-port', 20_000],
    ];
    expect(await schedulers()).toEqual(newest);

    // An old replica (re)starting mid-rollout leaves them alone, and so does the old one still running.
    const [oldB] = await spawnWorkers(h.env, ['old-b'], older);
    workers.push(oldB!);
    await oldB!.waitForLog(leftToNewer);
    expect(oldB!.output()).not.toContain('"msg":"schedules applied"');
    expect(await schedulers()).toEqual(newest);

    // The newer schedule is the one that runs: its 1 s check with one failure before alerting raises the alert.
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
      20_000,
    );
    expect(await schedulers()).toEqual(newest);
  });
});
