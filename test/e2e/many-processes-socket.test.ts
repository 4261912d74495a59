import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer, deployLog, deployMessage, idOf, recordingDeploy } from '../support/deploys.js';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
import { type OpsdeckProcess, spawnOpsdeck, spawnWorkers, stopWorkers } from '../support/process.js';

/**
 * Many processes, one truth in Socket Mode: two bot processes each hold a connection to the workspace, which hands
 * every command and click to one of the app's open connections (as Slack does), never to both; three workers (this
 * process, in the worker role, and two more) run the jobs. Whichever bot takes each part, things happen once.
 */
let h: Harness;
let dir: string;
const processes: OpsdeckProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-many-socket-'));
  const opsYml = servicesYml(`
  web:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        production: { approval: { from: approver } }
`);
  const opsPath = join(dir, 'ops.yml');
  writeFileSync(opsPath, opsYml);
  // As a worker this process opens no Socket Mode connection of its own: the two bots hold the only ones.
  h = await startHarness({ socketMode: true, env: { ROLE: 'worker' }, opsYml });
  const bots = ['bot-a', 'bot-b'].map((id) =>
    spawnOpsdeck({ ...h.env, ROLE: 'bot', WORKER_ID: id, LOG_LEVEL: 'info', OPS_CONFIG: opsPath }),
  );
  processes.push(...bots);
  await Promise.all(bots.map((b) => b.waitForLog((line) => line.msg === 'opsdeck started')));
  processes.push(...(await spawnWorkers(h.env, ['worker-1', 'worker-2'], opsPath)));
  await vi.waitFor(() => expect(h.slack.socketMode?.connections()).toBe(2), { timeout: 15_000, interval: 50 });
}, 120_000);

afterAll(async () => {
  await stopWorkers(processes);
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** How many envelopes the workspace handed each bot's connection so far. */
const deliveries = () => h.slack.socketMode!.deliveries();

describe('two bots in Socket Mode and three workers on one Redis', () => {
  it('answer commands through both connections, each request once', { timeout: 60_000 }, async () => {
    const before = deliveries();
    for (let i = 0; i < 4; i++) {
      const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
      expect(res.body).toMatchObject({ text: 'Pinging the workers…' });
      const reply = await h.slack.waitForCall(
        (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
        15_000,
      );
      expect(reply.params.text).toMatch(/^Pong from worker /);
    }
    // Four commands, four envelopes: each went to one connection, and both bots answered some.
    const handed = deliveries().map((n, i) => n - before[i]!);
    expect(handed.reduce((sum, n) => sum + n, 0)).toBe(4);
    expect(handed.every((n) => n > 0)).toBe(true);
  });

  it('run a deploy once when its approval is clicked on both bots at once', { timeout: 60_000 }, async () => {
    const id = idOf(await answer(h, USERS.alice, 'deploy web 3.1.4 to production'));
    const request = await deployMessage(h, id, 'awaiting-approval');
    const before = deliveries();
    const approve = { userId: USERS.bob, channelId: CHANNEL, messageTs: request.ts, actionId: 'deploy_approve' };
    const clicks = await Promise.all([h.slack.sendBlockAction(approve), h.slack.sendBlockAction(approve)]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    // One click reached each bot.
    expect(deliveries().map((n, i) => n - before[i]!)).toEqual([1, 1]);

    await deployMessage(h, id, 'succeeded');
    expect(deployLog(dir).filter((line) => line === 'web 3.1.4 production')).toHaveLength(1);
    const audit = await h.opsdeck.audit.latest(100);
    expect(audit.filter((e) => e.action === 'deploys.approve' && e.outcome === 'ok')).toHaveLength(1);
    expect(audit.filter((e) => e.action === 'deploys.deploy' && e.outcome === 'ok')).toHaveLength(1);
  });
});
