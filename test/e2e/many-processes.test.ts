import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowsOpsYml } from '../support/flows.js';
import { expectFlowsOnceEach, type ManyProcesses, startManyProcesses } from '../support/many-processes.js';
import { redisUrl } from '../support/redis.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Many processes, one truth: two bot processes behind a round-robin proxy (as a load balancer spreads Slack's
 * requests) and three worker processes on one Redis. Every flow happens once whichever process takes each part.
 */
let m: ManyProcesses;
let dir: string;
let checkHits = 0;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-many-'));
  target = await startHttpTarget((_req, res) => {
    checkHits++;
    res.statusCode = 503;
    res.end();
  });
  m = await startManyProcesses({
    opsYml: flowsOpsYml(dir, `${target.url}/healthz`),
    dir,
    workers: ['worker-1', 'worker-2', 'worker-3'],
  });
}, 120_000);

afterAll(async () => {
  await m?.close();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two bots and three workers on one Redis', () => {
  it('run each deploy once, count an approval clicked on either bot once, post each alert group once and each check once per interval', {
    timeout: 60_000,
  }, async () => {
    await expectFlowsOnceEach(m, dir, '3.1.4');

    // The check every second, with three workers: never more runs than the scheduler's iterations.
    const hits = checkHits;
    const queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${m.h.prefix}:q` });
    try {
      const [scheduler] = await queue.getJobSchedulers(0, -1);
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThanOrEqual(scheduler?.iterationCount ?? 0);
    } finally {
      await queue.close();
    }
  });
});
