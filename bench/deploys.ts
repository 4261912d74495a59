/**
 * Deploys benchmark (issue #11): N deploys of N different services (each asked in its own channel, each environment
 * asking for approval), approved all at once by concurrent clicks, each run by a command provider that takes 200 ms
 * (`sleep 0.2`), in one Opsdeck process (ROLE=all, WORKER_CONCURRENCY jobs at once) against the Slack-compatible
 * server. Reports the time from the first click until every deploy is final in Redis against the ideal for the worker
 * concurrency (ceil(N / concurrency) × 200 ms), and the ack latency of `/ops deploys` during the run (once the clicks
 * are handled) against the same command on the idle process. Opsdeck runs as a process of its own (`dist/main.js`,
 * as deployed): in this process, the bench's own polling for the deploys' end would hold the loop that answers the
 * acks while they run, and not while idle. Run by `npm run bench`, or alone: `npm run build && tsx bench/deploys.ts`.
 *
 * The messages' final edits trail behind: Slack allows chat.update about 50 times a minute per workspace (Tier 3),
 * which the outbox respects, so the figure here is the deploys' own throughput.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { redisKeys } from '../src/redis/keys.js';
import { freePort } from '../src/workspace/local/private-redis.js';
import { createSlackServer } from '../src/workspace/server.js';
import { startWorker } from './delivery.js';
import { deployRatios } from './guard.js';
import {
  commandsBetween,
  cpuMsOf,
  percentile,
  processEnv,
  redisCommandCounts,
  runWhenMain,
  stopAll,
  waitFor,
} from './standalone.js';

const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 100);
const CONCURRENCY = 8;
const COMMAND_MS = 200;
/**
 * Idle acks, after a warm-up: about as many as the busy phase gets (700–1,200 acks), so both p99s are the same kind of
 * figure (the p99 of 300 was their 3rd slowest, of the busy phase's about the 10th). The warm-up lets the ack path
 * reach the code the busy phase, thousands of acks in, runs.
 */
const IDLE_ACKS = 1000;
const WARM_UP_ACKS = 200;
/** How many of the deploys (KEYS) are final, read in Redis. */
const COUNT_FINAL = `local n = 0
for _, key in ipairs(KEYS) do
  local raw = redis.call('GET', key)
  local status = raw and cjson.decode(raw).status
  if status == 'succeeded' or status == 'failed' then n = n + 1 end
end
return n`;

export interface DeployFigures {
  deploys: number;
  concurrency: number;
  seconds: number;
  idealSeconds: number;
  succeeded: number;
  idleAck: { p50: number; p99: number };
  busyAck: { p50: number; p99: number; count: number };
  /** Opsdeck's CPU time per deploy, from the first click until every deploy is final (from /proc; absent elsewhere). */
  cpuMsPerDeploy?: number;
  /**
   * Commands Redis ran per deploy, clicks to the end (every process's, the bench's poll and the busy acks' included),
   * and how many of them were scripts (BullMQ's job moves, the outbox's pacer): where the outbox's waiting edits show.
   */
  redisCommandsPerDeploy: number;
  scriptsPerDeploy: number;
}

export async function benchDeploys(redisUrl: string): Promise<DeployFigures> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const services = Array.from({ length: DEPLOYS }, (_, i) => `svc-${i}`);
  const channelOf = (i: number) => `C0DEPLOY${i}`;
  const slack = await createSlackServer({
    botToken,
    signingSecret,
    users: [
      { id: 'U0ALICE', name: 'alice' },
      { id: 'U0BOB', name: 'bob' },
    ],
    channels: services.map((_, i) => ({ id: channelOf(i), name: `deploy-${i}`, members: ['U0ALICE', 'U0BOB'] })),
  });
  const prefix = `benchdeploys${Date.now()}`;
  const service = (name: string) => `
  ${name}:
    deploy:
      provider: command
      command: ["sleep", "${COMMAND_MS / 1000}"]
      environments:
        production: { approval: { from: approver } }`;
  const opsYml = `roles:\n  deployer: [U0ALICE]\n  approver: [U0BOB]\nservices:${services.map(service).join('')}\n`;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-deploys-'));
  writeFileSync(join(dir, 'ops.yml'), opsYml);
  const port = await freePort();
  const opsdeck = await startWorker({
    ...processEnv({ slackApiUrl: slack.apiUrl, botToken, signingSecret, redisUrl, redisPrefix: prefix }),
    OPS_CONFIG: join(dir, 'ops.yml'),
    ROLE: 'all',
    WORKER_CONCURRENCY: String(CONCURRENCY),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  });
  slack.setRequestUrl(`http://127.0.0.1:${port}/slack/events`);
  const redis = new Redis(redisUrl);
  const deployKey = (id: number) => `${prefix}:deploys:deploy:${id}`;
  let running = true;
  const ask = (i: number, text: string) => slack.sendCommand({ userId: 'U0ALICE', channelId: channelOf(i), text });
  try {
    // Every request, then wait for each request's message to be in its channel (to click on it).
    for (let i = 0; i < DEPLOYS; i++) await ask(i, `deploy ${services[i]} 1.0.${i} to production`);
    const messages = await waitFor('deploys', async () => {
      const found = services.map((_, i) =>
        (slack.state.messages.get(channelOf(i)) ?? []).find((m) => !m.threadTs && !m.ephemeralFor),
      );
      return found.every(Boolean) ? found.map((m) => m!.ts) : undefined;
    });
    // Idle: the same command over the same deploys (svc-0's request is there), nothing running.
    const idle: number[] = [];
    for (let i = 0; i < WARM_UP_ACKS; i++) await ask(0, 'deploys svc-0');
    for (let i = 0; i < IDLE_ACKS; i++) idle.push((await ask(0, 'deploys svc-0')).ackMs);

    // Every click's handling ends with its audit entry (the only entries while the deploys run: the acks only read).
    const auditStream = redisKeys(prefix).audit.stream;
    const auditedBefore = await redis.xlen(auditStream);
    const commandsBefore = await redisCommandCounts(redisUrl);
    const cpuBefore = cpuMsOf(opsdeck.pid);
    const start = Date.now();
    const clicks = messages.map((ts, i) =>
      slack.sendBlockAction({ userId: 'U0BOB', channelId: channelOf(i), messageTs: ts, actionId: 'deploy_approve' }),
    );
    // Counted in Redis, so that polling costs this process (where the acks are timed) next to nothing.
    const keys = services.map((_, i) => deployKey(i + 1));
    let polls = 0;
    const allFinal = () =>
      waitFor('deploys', async () => {
        polls++;
        return Number(await redis.eval(COUNT_FINAL, keys.length, ...keys)) === keys.length ? true : undefined;
      });
    // Busy: once the burst of 100 approvals is handled (it is not the deploys running) until every deploy is final.
    // Opsdeck acks a click at once and approves after the ack, so the clicks' acks alone do not end the burst: every
    // click audited does.
    await Promise.all(clicks);
    let auditPolls = 0;
    await waitFor('approvals', async () => {
      auditPolls++;
      return (await redis.xlen(auditStream)) - auditedBefore >= DEPLOYS ? true : undefined;
    });
    const busy: number[] = [];
    const acks = (async () => {
      while (running) busy.push((await ask(0, 'deploys svc-0')).ackMs);
    })();
    await allFinal();
    const seconds = (Date.now() - start) / 1000;
    const cpuAfter = cpuMsOf(opsdeck.pid);
    const commands = commandsBetween(commandsBefore, await redisCommandCounts(redisUrl));
    running = false;
    await acks;
    const statuses = (await redis.mget(keys)).map((raw) => (raw ? (JSON.parse(raw) as { status: string }).status : ''));
    return {
      deploys: DEPLOYS,
      concurrency: CONCURRENCY,
      seconds,
      idealSeconds: (Math.ceil(DEPLOYS / CONCURRENCY) * COMMAND_MS) / 1000,
      succeeded: statuses.filter((status) => status === 'succeeded').length,
      idleAck: { p50: percentile(idle, 50), p99: percentile(idle, 99) },
      busyAck: { p50: percentile(busy, 50), p99: percentile(busy, 99), count: busy.length },
      cpuMsPerDeploy:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : Math.round(((cpuAfter - cpuBefore) / DEPLOYS) * 10) / 10,
      // Less the bench's own polls: each one EVAL and a GET per deploy, and one XLEN each for the clicks' audit.
      redisCommandsPerDeploy: Math.round((commands.total - polls * (1 + DEPLOYS) - auditPolls) / DEPLOYS),
      scriptsPerDeploy: Math.round(
        ((commands.by.get('evalsha') ?? 0) + (commands.by.get('eval') ?? 0) - polls) / DEPLOYS,
      ),
    };
  } finally {
    running = false;
    redis.disconnect();
    await stopAll([opsdeck]);
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderDeploys(f: DeployFigures): string {
  const ms = (value: number) => Math.round(value);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  return [
    '## Deploys approved at once',
    '',
    `${f.deploys} deploys of ${f.deploys} services (each asked in its own channel, each needing approval), approved by`,
    `concurrent clicks; the command provider runs \`sleep ${COMMAND_MS / 1000}\`; one Opsdeck process (\`dist/main.js\`,`,
    `ROLE=all, WORKER_CONCURRENCY=${f.concurrency}). Ideal: ceil(deploys / concurrency) × ${COMMAND_MS} ms. Ack: \`/ops deploys\``,
    `on the idle process (the requests made; ${IDLE_ACKS} after ${WARM_UP_ACKS} of warm-up), then back to back from when every`,
    'click is handled (its audit entry written) until every deploy is final (the bench reads both in Redis). CPU:',
    'Opsdeck’s, per deploy, clicks to the end; Redis: commands per deploy (scripts).',
    '',
    '| deploys | concurrency | seconds | ideal s | vs ideal | succeeded | idle ack p50/p99 ms | busy ack p50/p99 ms | busy p99 vs idle | CPU ms per deploy | Redis commands (scripts) per deploy |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${f.deploys} | ${f.concurrency} | ${f.seconds.toFixed(2)} | ${f.idealSeconds.toFixed(2)} | ${ratio(f.seconds, f.idealSeconds)} | ${f.succeeded} | ${ms(f.idleAck.p50)}/${ms(f.idleAck.p99)} | ${ms(f.busyAck.p50)}/${ms(f.busyAck.p99)} (${f.busyAck.count} acks) | ${ratio(f.busyAck.p99, f.idleAck.p99)} | ${f.cpuMsPerDeploy ?? '–'} | ${f.redisCommandsPerDeploy} (${f.scriptsPerDeploy}) |`,
    '',
    'Per deploy run (issue #21), the run job’s own Redis round trips, from the code path (BullMQ’s job commands and the',
    'outbox’s edits not counted): 11 before (13 commands), 8 since (9 commands): the started mark and the freeze in one',
    'pipeline, and the running and final states written over the deploy just read and drawn from it.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchDeploys, renderDeploys, deployRatios);
