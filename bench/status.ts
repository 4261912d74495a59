/**
 * Status benchmark (issue #10): `/ops status` over SERVICES services × 3 HTTP checks whose targets answer in 50 ms,
 * against Opsdeck as deployed, a bot and a worker process (`dist/main.js`, the worker with
 * WORKER_CONCURRENCY=CONCURRENCY), and the Slack-compatible
 * server with Slack's limits on. Reports the time from the command until the message shows every result, against the
 * ideal for the concurrency (checks / concurrency × 50 ms: the physical limit of the worker), and the p99 ack
 * latency of `/ops help` commands sent every 20 ms while it runs. Run by `npm run bench`, or alone:
 * `npm run build && tsx bench/status.ts`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { freePort } from '../src/workspace/local/private-redis.js';
import { createSlackServer } from '../src/workspace/server.js';
import { startWorker } from './delivery.js';
import { statusRatios } from './guard.js';
import {
  commandsBetween,
  cpuMsOf,
  percentile,
  processEnv,
  redisCommandCounts,
  runWhenMain,
  startSlowTarget,
  stopAll,
} from './standalone.js';

const SERVICES = Number(process.env.BENCH_STATUS_SERVICES ?? 200);
const CHECKS_PER_SERVICE = 3;
const CONCURRENCY = Number(process.env.BENCH_STATUS_CONCURRENCY ?? 16);
const TARGET_MS = 50;
const CHANNEL = 'C0STATUS';
const USER = 'U0BENCH';

export interface StatusFigures {
  services: number;
  checks: number;
  concurrency: number;
  /** From sending `/ops status` to the Slack-compatible server accepting the edit with every result. */
  seconds: number;
  /** checks / concurrency × 50 ms. */
  idealSeconds: number;
  /** From the target's answer to the last check to the complete message: the draw and the edit's wait. */
  tailSeconds: number;
  otherAcks: number;
  otherAckP99Ms: number;
  statusAckMs: number;
  /** The worker process's CPU time per check (from /proc; absent elsewhere): far less moved by load than seconds. */
  workerCpuMsPerCheck?: number;
  /** Commands Redis ran per check, from the command to the complete message (every process's, BullMQ's included). */
  redisCommandsPerCheck: number;
  /** The same, by command, most first. */
  redisCommands: Array<[command: string, perCheck: number]>;
}

export async function benchStatus(redisUrl: string): Promise<StatusFigures> {
  // When the target answered its last check: what the message waits for after it is Opsdeck's own tail.
  let lastAnswer = 0;
  const target = await startSlowTarget(TARGET_MS, () => {
    lastAnswer = Date.now();
  });
  const targetUrl = target.url;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-status-'));
  const services = Array.from({ length: SERVICES }, (_, i) => {
    const checks = Array.from(
      { length: CHECKS_PER_SERVICE },
      (_, c) => `      c${c}: { type: http, url: "${targetUrl}/s${i}/c${c}", timeout: 10s }`,
    );
    return [`  service-${i}:`, '    checks:', ...checks].join('\n');
  });
  writeFileSync(join(dir, 'ops.yml'), `roles: {}\nservices:\n${services.join('\n')}\n`);

  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await createSlackServer({
    botToken,
    signingSecret,
    users: [{ id: USER, name: 'bench' }],
    channels: [{ id: CHANNEL, name: 'status', members: [USER] }],
    app: { commands: [{ command: '/ops', shouldEscape: false }], shortcuts: [], botEvents: [] },
  });
  const port = await freePort();
  const env = {
    ...processEnv({
      slackApiUrl: slack.apiUrl,
      botToken,
      signingSecret,
      redisUrl,
      redisPrefix: `benchstatus${Date.now()}`,
    }),
    OPS_CONFIG: join(dir, 'ops.yml'),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  // As deployed (docker-compose.yml): a bot process answers Slack, a worker process runs the checks.
  const bot = await startWorker({ ...env, ROLE: 'bot' });
  const worker = await startWorker({ ...env, ROLE: 'worker', PORT: '0', WORKER_ID: 'bench-worker' });
  slack.setRequestUrl(`http://127.0.0.1:${port}/slack/events`);
  try {
    const complete = new Promise<number>((resolve) => {
      slack.events.on('call', (call: { method: string; status: number; at: number; params: { text?: unknown } }) => {
        const text = String(call.params.text ?? '');
        if (call.method === 'chat.update' && call.status === 200 && !text.includes('checking')) resolve(call.at);
      });
    });
    let running = true;
    const acks: number[] = [];
    const others = (async () => {
      while (running) {
        const res = await slack.sendCommand({ userId: USER, channelId: CHANNEL, text: 'help' });
        acks.push(res.ackMs);
        await delay(20);
      }
    })();
    const commandsBefore = await redisCommandCounts(redisUrl);
    const cpuBefore = cpuMsOf(worker.pid);
    const started = Date.now();
    const status = await slack.sendCommand({ userId: USER, channelId: CHANNEL, text: 'status' });
    const finished = await complete;
    const cpuAfter = cpuMsOf(worker.pid);
    running = false;
    await others;
    const commands = commandsBetween(commandsBefore, await redisCommandCounts(redisUrl));
    const checks = SERVICES * CHECKS_PER_SERVICE;
    const perCheck = (n: number) => Math.round((n / checks) * 100) / 100;
    return {
      services: SERVICES,
      checks,
      concurrency: CONCURRENCY,
      seconds: (finished - started) / 1000,
      idealSeconds: (Math.ceil(checks / CONCURRENCY) * TARGET_MS) / 1000,
      tailSeconds: (finished - lastAnswer) / 1000,
      otherAcks: acks.length,
      otherAckP99Ms: Math.round(percentile(acks, 99) * 10) / 10,
      statusAckMs: Math.round(status.ackMs * 10) / 10,
      workerCpuMsPerCheck:
        cpuBefore === undefined || cpuAfter === undefined ? undefined : perCheck(cpuAfter - cpuBefore),
      // The `/ops help` acks meanwhile run a few commands too (their ack jobs): counted, they are not the checks'.
      redisCommandsPerCheck: perCheck(commands.total),
      redisCommands: [...commands.by]
        .sort((a, b) => b[1] - a[1])
        .map(([command, n]): [string, number] => [command, perCheck(n)]),
    };
  } finally {
    await stopAll([bot, worker]);
    await slack.close();
    target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderStatus(f: StatusFigures): string {
  return [
    '## /ops status',
    '',
    `${f.services} services × 3 HTTP checks (${f.checks}) whose targets answer in 50 ms, a bot and a worker process`,
    `(WORKER_CONCURRENCY=${f.concurrency}), Slack's limits on; \`/ops help\` sent every 20 ms meanwhile.`,
    '',
    '| message complete | ideal (checks / concurrency × 50 ms) | ratio | after the last check | /ops status ack | other acks | their p99 ack (target < 25 ms) |',
    '| ---------------- | ------------------------------------ | ----- | -------------------- | --------------- | ---------- | ------------------------------ |',
    `| ${f.seconds.toFixed(2)} s | ${f.idealSeconds.toFixed(2)} s | ${(f.seconds / f.idealSeconds).toFixed(2)}× | ${f.tailSeconds.toFixed(2)} s | ${f.statusAckMs} ms | ${f.otherAcks} | ${f.otherAckP99Ms} ms |`,
    '',
    'Less moved by load than seconds, from the command to the complete message: the worker’s CPU time and the commands',
    'Redis ran (every process’s, BullMQ’s included), per check; both also count the draws and the `/ops help` acks',
    'meanwhile, which grow with a slower run.',
    '',
    '| worker CPU per check | Redis commands per check | the most frequent, per check |',
    '| -------------------- | ------------------------ | ---------------------------- |',
    `| ${f.workerCpuMsPerCheck === undefined ? '–' : `${f.workerCpuMsPerCheck.toFixed(2)} ms`} | ${f.redisCommandsPerCheck.toFixed(1)} | ${f.redisCommands
      .slice(0, 6)
      .map(([command, n]) => `${command} ${n}`)
      .join(', ')} |`,
    '',
    'Per check (issue #21), Opsdeck’s own Redis round trips in the worker, from the code path (BullMQ’s job commands and',
    'the enqueue’s mark / add / mark not counted): 3 at first (breaker + last result; keep; add to the request), then 2',
    '(keep and add to the request in one MULTI), now 1 and one per service: a request over every service is one job per',
    'service running its checks in turn (one BullMQ job and one enqueue per service instead of per check), and each',
    'check’s MULTI also reads what the next check reads first. Plain-HTTP targets are reached over keep-alive',
    'connections (one new connection per target instead of one per check).',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchStatus, renderStatus, statusRatios);
