import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { answer, deployMessage, idOf } from './deploys.js';
import { alertOnce, checkAlerted, expectDeployedOnce, FLOWS_WEBHOOK_TOKEN, postsAbout } from './flows.js';
import { CHANNEL, type Harness, startHarness, USERS } from './harness.js';
import { type OpsdeckProcess, spawnOpsdeck, spawnWorkers, stopWorkers } from './process.js';
import { roundRobin } from './proxy.js';

/**
 * Several processes on one Redis, as a scaled-out deployment runs: two bot processes behind a round-robin proxy (as a
 * load balancer spreads Slack's requests) and worker processes. The harness's own process only hosts the
 * Slack-compatible server (ROLE=bot, no request reaches it): every request and job goes to a spawned process.
 */
export interface ManyProcesses {
  h: Harness;
  /** The proxy in front of both bots (Slack's requests and webhooks go to its url) and what it sent each bot. */
  proxy: Awaited<ReturnType<typeof roundRobin>>;
  /** Each bot's own URL, for a request that must land on one of them. */
  bots: string[];
  close(): Promise<void>;
}

export async function startManyProcesses(options: {
  /** Written to `<dir>/ops.yml` for every process. */
  opsYml: string;
  dir: string;
  workers: readonly string[];
  /** Extra environment for every process (REDIS_CLUSTER_NODES, …). */
  env?: Record<string, string>;
}): Promise<ManyProcesses> {
  const opsPath = join(options.dir, 'ops.yml');
  writeFileSync(opsPath, options.opsYml);
  const h = await startHarness({ env: { ...options.env, ROLE: 'bot' }, opsYml: options.opsYml });
  const processes: OpsdeckProcess[] = [];
  let proxy: Awaited<ReturnType<typeof roundRobin>> | undefined;
  const close = async () => {
    await stopWorkers(processes);
    await proxy?.close();
    await h.close();
  };
  try {
    const env = { ...h.env, WEBHOOK_TOKEN: FLOWS_WEBHOOK_TOKEN };
    const botProcesses = ['bot-a', 'bot-b'].map((id) =>
      spawnOpsdeck({ ...env, ROLE: 'bot', WORKER_ID: id, LOG_LEVEL: 'info', OPS_CONFIG: opsPath }),
    );
    processes.push(...botProcesses);
    const started = await Promise.all(botProcesses.map((b) => b.waitForLog((line) => line.msg === 'opsdeck started')));
    processes.push(...(await spawnWorkers(env, options.workers, opsPath)));
    const bots = started.map((line) => String(line.url));
    proxy = await roundRobin(() => bots);
    h.slack.setRequestUrl(`${proxy.url}/slack/events`);
    return { h, proxy, bots, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The flows (test/support/flows.ts's ops.yml) through the proxy, each checked to have happened once: a deploy
 * requested on one bot and bob's Approve clicked twice at once (the proxy sends the clicks to both bots), an
 * Alertmanager HA pair's two deliveries (one through each bot), and the scheduled check's alert.
 */
export async function expectFlowsOnceEach(m: ManyProcesses, dir: string, version: string): Promise<void> {
  const { h } = m;
  const id = idOf(await answer(h, USERS.alice, `deploy web ${version} to production`));
  const request = await deployMessage(h, id, 'awaiting-approval');
  const approve = { userId: USERS.bob, channelId: CHANNEL, messageTs: request.ts, actionId: 'deploy_approve' };
  const clicks = await Promise.all([h.slack.sendBlockAction(approve), h.slack.sendBlockAction(approve)]);
  expect(clicks.map((c) => c.status)).toEqual([200, 200]);
  await deployMessage(h, id, 'succeeded');
  expectDeployedOnce(dir, version);
  const audit = await h.opsdeck.audit.latest(100);
  expect(audit.filter((e) => e.action === 'deploys.approve' && e.outcome === 'ok')).toHaveLength(1);
  expect(audit.filter((e) => e.action === 'deploys.deploy' && e.outcome === 'ok')).toHaveLength(1);

  await alertOnce(h, m.proxy.url, 'High CPU Temperature');
  expect(postsAbout(h, 'High CPU Temperature')).toBe(1);

  await checkAlerted(h);
  expect(postsAbout(h, 'api/http failing')).toBe(1);
  // Both bots took requests (the proxy alternates), so "once" held across processes.
  expect([...m.proxy.served.values()].filter((n) => n > 0)).toHaveLength(2);
}
