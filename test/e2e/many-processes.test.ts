import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, deployLog, deployMessage, idOf } from '../support/deploys.js';
import { alertOnce, checkAlerted, FLOWS_WEBHOOK_TOKEN, flowsOpsYml, postsAbout } from '../support/flows.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OpsdeckProcess, spawnOpsdeck, spawnWorkers, stopWorkers } from '../support/process.js';
import { redisUrl } from '../support/redis.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Many processes, one truth: two bot processes behind a round-robin proxy (as a load balancer spreads Slack's
 * requests) and three worker processes on one Redis. Every flow happens once whichever process takes each part.
 */
let h: Harness;
let dir: string;
let proxy: Server;
let proxyUrl: string;
let checkHits = 0;
let target: Awaited<ReturnType<typeof startHttpTarget>>;
const processes: OpsdeckProcess[] = [];

/** Sends each request to the next bot in turn, as a load balancer does. */
function roundRobin(upstreams: string[]): Server {
  let next = 0;
  return createServer((req, res) => {
    const upstream = new URL(req.url ?? '/', upstreams[next++ % upstreams.length]);
    const forward = request(upstream, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.writeHead(502).end());
    req.pipe(forward);
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-many-'));
  target = await startHttpTarget((_req, res) => {
    checkHits++;
    res.statusCode = 503;
    res.end();
  });
  const opsYml = flowsOpsYml(dir, `${target.url}/healthz`);
  const opsPath = join(dir, 'ops.yml');
  writeFileSync(opsPath, opsYml);
  // The harness's own process only hosts the Slack-compatible server here: no request reaches it.
  h = await startHarness({ env: { ROLE: 'bot' }, opsYml });
  const env = { ...h.env, WEBHOOK_TOKEN: FLOWS_WEBHOOK_TOKEN };
  const bots = ['bot-a', 'bot-b'].map((id) =>
    spawnOpsdeck({ ...env, ROLE: 'bot', WORKER_ID: id, LOG_LEVEL: 'info', OPS_CONFIG: opsPath }),
  );
  processes.push(...bots);
  const started = await Promise.all(bots.map((b) => b.waitForLog((line) => line.msg === 'opsdeck started')));
  processes.push(...(await spawnWorkers(env, ['worker-1', 'worker-2', 'worker-3'], opsPath)));
  proxy = roundRobin(started.map((line) => String(line.url)));
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  h.slack.setRequestUrl(`${proxyUrl}/slack/events`);
}, 120_000);

afterAll(async () => {
  await stopWorkers(processes);
  proxy?.close();
  await h?.close();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two bots and three workers on one Redis', () => {
  it('run each deploy once, count an approval clicked on either bot once, post each alert group once and each check once per interval', {
    timeout: 60_000,
  }, async () => {
    // The request lands on one bot; Bob's Approve, clicked twice, reaches both.
    const id = idOf(await answer(h, USERS.alice, 'deploy web 3.1.4 to production'));
    const request = await deployMessage(h, id, 'awaiting-approval');
    const approve = { userId: USERS.bob, channelId: CHANNEL, messageTs: request.ts, actionId: 'deploy_approve' };
    const clicks = await Promise.all([h.slack.sendBlockAction(approve), h.slack.sendBlockAction(approve)]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    await deployMessage(h, id, 'succeeded');
    expect(deployLog(dir).filter((line) => line === 'web 3.1.4 production')).toHaveLength(1);
    const audit = await h.opsdeck.audit.latest(100);
    expect(audit.filter((e) => e.action === 'deploys.approve' && e.outcome === 'ok')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'deploys.deploy' && e.outcome === 'ok')).toHaveLength(1);

    // An Alertmanager HA pair's two deliveries, one through each bot: one message.
    await alertOnce(h, proxyUrl, 'High CPU Temperature');
    expect(postsAbout(h, 'High CPU Temperature')).toBe(1);

    // The check every second, with three workers: one alert, and never more runs than the scheduler's iterations.
    await checkAlerted(h);
    expect(postsAbout(h, 'api/http failing')).toBe(1);
    const hits = checkHits;
    const queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${h.prefix}:q` });
    try {
      const [scheduler] = await queue.getJobSchedulers(0, -1);
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThanOrEqual(scheduler?.iterationCount ?? 0);
    } finally {
      await queue.close();
    }
  });
});
