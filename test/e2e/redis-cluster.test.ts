import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowsOpsYml } from '../support/flows.js';
import { expectFlowsOnceEach, type ManyProcesses, startManyProcesses } from '../support/many-processes.js';
import { type RedisClusterProcesses, startRedisCluster } from '../support/redis-cluster.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Opsdeck scaled out on a real Redis Cluster of three primaries (REDIS_CLUSTER_NODES): two bot processes behind a
 * round-robin proxy and two worker processes. Every flow works, once, whichever process takes each part — so no
 * script, transaction or BullMQ call crossed slots, and the locks and dedupe keys the processes share hold on a
 * cluster — and the keys are spread over more than one primary.
 */
let cluster: RedisClusterProcesses;
let m: ManyProcesses;
let dir: string;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-cluster-flows-'));
  target = await startHttpTarget((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  cluster = await startRedisCluster();
  m = await startManyProcesses({
    opsYml: flowsOpsYml(dir, `${target.url}/healthz`),
    dir,
    workers: ['worker-1', 'worker-2'],
    env: { REDIS_CLUSTER_NODES: cluster.nodes },
  });
}, 180_000);

afterAll(async () => {
  await m?.close();
  await cluster?.stop();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('on a Redis Cluster, two bots and two workers', () => {
  it('run a deploy with approval (clicked on both bots), an alert and a scheduled check, once each, with keys on several primaries', {
    timeout: 90_000,
  }, async () => {
    await expectFlowsOnceEach(m, dir, '1.2.3');

    // The audit log, the deploys' and the alerts' keys and the queues hash to different slots.
    const perPrimary = await cluster.keysPerPrimary(m.h.prefix);
    expect(perPrimary.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
