import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertOnce,
  checkAlerted,
  deployWithApproval,
  expectDeployedOnce,
  FLOWS_WEBHOOK_TOKEN,
  flowsOpsYml,
  postsAbout,
} from '../support/flows.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type RedisClusterProcesses, startRedisCluster } from '../support/redis-cluster.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Opsdeck on a real Redis Cluster of three primaries (REDIS_CLUSTER_NODES): every flow works — so no script,
 * transaction or BullMQ call crossed slots — and its keys are spread over more than one primary.
 */
let cluster: RedisClusterProcesses;
let h: Harness;
let dir: string;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-cluster-flows-'));
  target = await startHttpTarget((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  cluster = await startRedisCluster();
  h = await startHarness({
    env: { REDIS_CLUSTER_NODES: cluster.nodes, WEBHOOK_TOKEN: FLOWS_WEBHOOK_TOKEN },
    opsYml: flowsOpsYml(dir, `${target.url}/healthz`),
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await cluster?.stop();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('on a Redis Cluster', () => {
  it('runs a deploy with approval, an alert and a scheduled check, once each, with keys on several primaries', {
    timeout: 60_000,
  }, async () => {
    const id = await deployWithApproval(h, '1.2.3');
    expect(id).toMatch(/^\d+$/);
    expectDeployedOnce(dir, '1.2.3');

    await alertOnce(h, h.opsdeck.url, 'High CPU Temperature');
    await checkAlerted(h);
    expect(postsAbout(h, 'High CPU Temperature')).toBe(1);
    expect(postsAbout(h, 'api/http failing')).toBe(1);

    // The audit log, the deploys' and the alerts' keys and the queues hash to different slots.
    const perPrimary = await cluster.keysPerPrimary(h.prefix);
    expect(perPrimary.filter((n) => n > 0).length).toBeGreaterThan(1);
  });
});
