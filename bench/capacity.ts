/**
 * Capacity (issue #22): how Opsdeck's own throughput grows with processes, and what Redis spends on it, so a team can
 * size a deployment. (1) Delivery: 2,000 posts over 200 channels through the outbox (each post one BullMQ job),
 * delivered by 1, 2 and 4 worker processes against the Slack-compatible server with its limits off (Slack's pace would
 * otherwise be the figure: one post a second per channel). (2) Acks: signed `/ops help` commands (bench/acks.ts's load)
 * against 1 and 2 bot processes (`dist/main.js`, ROLE=bot) on one Redis prefix. Redis CPU is `INFO cpu` before and
 * after each step; the bots' CPU is read from /proc, the load generator's (this process) from process.cpuUsage. On a
 * machine of N cores the processes, the Slack server, Redis and this process share them: read the ratios and the
 * cores busy, not the absolute rates. Run alone: `npm run build && npx tsx bench/capacity.ts`.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { freePort } from '../src/workspace/local/private-redis.js';
import { ackSetup, load, startTarget } from './acks.js';
import { deliver } from './delivery.js';
import { cpuMsOf, runWhenMain, stopAll } from './standalone.js';

const MESSAGES = 2_000;
const CHANNELS = 200;
const WORKER_COUNTS = [1, 2, 4];
const BOT_COUNTS = [1, 2];
/** Connections in all, split evenly over the bots (as a load balancer spreads them). */
const ACK_CONNECTIONS = 50;
const ACK_SECONDS = Number(process.env.BENCH_DURATION ?? 6);
/** Loads per step after the warm-up; the step reports the median (one noisy moment does not decide it). */
const ACK_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface WorkerStep {
  workers: number;
  seconds: number;
  /** Outbox jobs completed per second: each is one post. */
  postsPerSecond: number;
  /** Redis CPU milliseconds (user + sys) spent during the step, per post. */
  redisCpuMsPerPost: number;
  /** The worker processes' CPU milliseconds per post, together. */
  workerCpuMsPerPost: number;
  /** Redis CPU seconds per wall second: 1.0 is one core busy. */
  redisCores: number;
  /** Every process's CPU on the machine (neighbours too) per wall second: near the core count, the cores are full. */
  machineCores: number;
}

interface AckStep {
  bots: number;
  acksPerSecond: number;
  /** The worst of the bots' p99 latencies, ms. */
  p99: number;
  errors: number;
  redisCpuUsPerAck: number;
  /** The bot processes' CPU microseconds per ack, together. */
  botCpuUsPerAck: number;
  redisCores: number;
  /** The bot processes' CPU seconds per wall second, together. */
  botCores: number;
  /** This process's (autocannon's, signing every request) CPU seconds per wall second. */
  loadCores: number;
  machineCores: number;
}

export interface CapacityFigures {
  workers: WorkerStep[];
  acks: AckStep[];
  cores: number;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

/** CPU seconds every core of the machine spent busy (not idle, not waiting on I/O), from /proc/stat. */
function machineCpuSeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** A child's CPU seconds so far (standalone.ts's reading in ms). */
const cpuSeconds = (pid: number) => (cpuMsOf(pid) ?? 0) / 1000;

const ownCpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function workerSteps(redisUrl: string, redis: Redis): Promise<WorkerStep[]> {
  const steps: WorkerStep[] = [];
  for (const workers of WORKER_COUNTS) {
    const [cpuBefore, machineBefore] = [await redisCpuSeconds(redis), machineCpuSeconds()];
    const started = Date.now();
    const figures = await deliver(redisUrl, { messages: MESSAGES, channels: CHANNELS, workers, rateLimits: false });
    const machine = (machineCpuSeconds() - machineBefore) / ((Date.now() - started) / 1000);
    const cpu = (await redisCpuSeconds(redis)) - cpuBefore;
    steps.push({
      workers,
      seconds: figures.seconds,
      postsPerSecond: MESSAGES / figures.seconds,
      redisCpuMsPerPost: (cpu * 1000) / MESSAGES,
      workerCpuMsPerPost: (figures.workerCpuSeconds * 1000) / MESSAGES,
      redisCores: cpu / figures.seconds,
      machineCores: machine,
    });
  }
  return steps;
}

/**
 * One round of ack load: every bot gets its share of the connections straight on its own port at once. Not through a
 * proxy: on this machine a Node proxy would take about as much CPU per request as a bot and share the same cores, so
 * it would measure itself; a real load balancer runs elsewhere.
 */
async function ackRound(ports: number[], pids: number[], signingSecret: string, redis: Redis): Promise<AckStep> {
  const started = Date.now();
  const [redisBefore, ownBefore, machineBefore] = [await redisCpuSeconds(redis), ownCpuSeconds(), machineCpuSeconds()];
  const botsBefore = pids.map(cpuSeconds);
  const results = await Promise.all(
    ports.map((port) => load(port, signingSecret, ACK_CONNECTIONS / ports.length, ACK_SECONDS)),
  );
  const wall = (Date.now() - started) / 1000;
  const machineCpu = machineCpuSeconds() - machineBefore;
  const redisCpu = (await redisCpuSeconds(redis)) - redisBefore;
  const botCpu = pids.reduce((sum, pid, i) => sum + cpuSeconds(pid) - botsBefore[i]!, 0);
  const acks = results.reduce((sum, r) => sum + r.requests.total, 0);
  return {
    bots: ports.length,
    acksPerSecond: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
    redisCpuUsPerAck: acks ? (redisCpu * 1e6) / acks : 0,
    botCpuUsPerAck: acks ? (botCpu * 1e6) / acks : 0,
    redisCores: redisCpu / wall,
    botCores: botCpu / wall,
    loadCores: (ownCpuSeconds() - ownBefore) / wall,
    machineCores: machineCpu / wall,
  };
}

async function ackSteps(redisUrl: string, redis: Redis): Promise<AckStep[]> {
  const setup = await ackSetup(redisUrl);
  const steps: AckStep[] = [];
  try {
    for (const bots of BOT_COUNTS) {
      const ports = await Promise.all(Array.from({ length: bots }, () => freePort()));
      const children: ChildProcess[] = [];
      try {
        for (const port of ports) children.push(await startTarget(setup.opsdeck(`bot ${port}`, 'bot'), port));
        await delay(1000);
        const pids = children.map((c) => c.pid!);
        // Warm-up: JIT, connection pools, Bolt's one-time auth.test in each bot.
        await Promise.all(ports.map((port) => load(port, setup.signingSecret, 10, 2)));
        const rounds: AckStep[] = [];
        for (let i = 0; i < ACK_ROUNDS; i++) rounds.push(await ackRound(ports, pids, setup.signingSecret, redis));
        steps.push(medianStep(rounds));
      } finally {
        await stopAll(children);
      }
    }
  } finally {
    await setup.close();
  }
  return steps;
}

/** The round of median throughput, its errors those of every round. */
function medianStep(rounds: AckStep[]): AckStep {
  const rate = median(rounds.map((r) => r.acksPerSecond));
  const middle = rounds.find((r) => r.acksPerSecond === rate)!;
  return { ...middle, errors: rounds.reduce((sum, r) => sum + r.errors, 0) };
}

export async function benchCapacity(redisUrl: string): Promise<CapacityFigures> {
  const redis = new Redis(redisUrl);
  try {
    const workers = await workerSteps(redisUrl, redis);
    const acks = await ackSteps(redisUrl, redis);
    return { workers, acks, cores: availableParallelism() };
  } finally {
    redis.disconnect();
  }
}

const times = (a: number, b: number) => `${(a / b).toFixed(1)}×`;

/** The first limit as measured: Redis when it nears its one core, the cores when all of the machine's are busy. */
function measuredLimit(redisCores: number, machineCores: number, cores: number): string {
  if (redisCores > 0.8) return `Redis (${redisCores.toFixed(2)} of its one core busy)`;
  if (machineCores > 0.85 * cores)
    return `the cores (${machineCores.toFixed(2)} of ${cores} busy, neighbours included)`;
  return `neither Redis nor the cores (${machineCores.toFixed(2)} of ${cores} busy): the processes' own event loops`;
}

/**
 * Where the bottleneck is, from CPU per unit of work (which load on a shared machine does not move, unlike rates):
 * Redis runs on one core, the workers and bots on as many as they are given, so Redis limits once the processes'
 * CPU per unit, over Redis's, is more cores than the machine gives them.
 */
function bottleneck(f: CapacityFigures): string[] {
  const worker = f.workers[0]!;
  const bot = f.acks[0]!;
  const lastWorkers = f.workers.at(-1)!;
  const lastBots = f.acks.at(-1)!;
  const workerCores = worker.workerCpuMsPerPost / worker.redisCpuMsPerPost;
  const botCores = bot.redisCpuUsPerAck ? bot.botCpuUsPerAck / bot.redisCpuUsPerAck : Number.POSITIVE_INFINITY;
  return [
    `First limit, as measured: with ${lastWorkers.workers} workers ${measuredLimit(lastWorkers.redisCores, lastWorkers.machineCores, f.cores)};`,
    `with ${lastBots.bots} bots ${measuredLimit(lastBots.redisCores, lastBots.machineCores, f.cores)}.`,
    `From CPU per unit (1 process): a worker spends ${worker.workerCpuMsPerPost.toFixed(2)} ms per post, so one worker core carries`,
    `~${Math.round(1000 / worker.workerCpuMsPerPost)} posts/s, and Redis ${worker.redisCpuMsPerPost.toFixed(2)} ms, so its one core carries ~${Math.round(1000 / worker.redisCpuMsPerPost)}:`,
    `the cores are the first limit until the workers have ~${workerCores.toFixed(1)} cores of their own, Redis after that.`,
    `A bot spends ${bot.botCpuUsPerAck.toFixed(0)} µs per ack (~${Math.round(1e6 / bot.botCpuUsPerAck)} acks/s per core) and Redis ${bot.redisCpuUsPerAck.toFixed(1)} µs: the bots'`,
    `cores limit acks long before Redis (it would take ~${Number.isFinite(botCores) ? botCores.toFixed(0) : '∞'} bot cores to fill Redis's one).`,
    `Per unit, CPU changes with the number of processes (${lastWorkers.workers} workers: ${times(lastWorkers.workerCpuMsPerPost, worker.workerCpuMsPerPost)} the workers' and`,
    `${times(lastWorkers.redisCpuMsPerPost, worker.redisCpuMsPerPost)} Redis's CPU per post; ${lastBots.bots} bots: ${times(lastBots.botCpuUsPerAck, bot.botCpuUsPerAck)} the bots' CPU per ack), so the 1-process`,
    'figures are the best case.',
    '',
  ];
}

/** What a team needs, from the figures and Slack's published limits (the figures say Opsdeck is not the limit). */
function sizing(f: CapacityFigures): string[] {
  const worker = f.workers[0]!;
  const bot = f.acks[0]!;
  return [
    `Against real Slack the first limit is Slack's, far below these rates: one post a second per channel (burst 4) and`,
    '~50 edits a minute per app, which the outbox paces close to the minimum (the delivery section). Even a team of',
    'several hundred sends commands and clicks at a few a second at its busiest, against',
    `~${Math.round(1e6 / bot.botCpuUsPerAck)} acks/s per bot core and ~${Math.round(1000 / worker.workerCpuMsPerPost)} posts/s per worker core (CPU per unit above). Sizing, for any team`,
    "whose alert storms Slack's limits already pace: one bot and two workers, the second of each for availability, not",
    'throughput; add workers for long-running work (deploys, runbooks, checks: `WORKER_CONCURRENCY` × processes is how',
    'many run at once), and give Redis a core of its own: at the rates above it is the last limit, reached only far',
    'beyond what Slack lets through.',
    '',
  ];
}

export function renderCapacity(f: CapacityFigures): string {
  const one = f.workers[0]!;
  const oneBot = f.acks[0]!;
  return [
    '## Capacity: worker and bot processes',
    '',
    `${MESSAGES} posts over ${CHANNELS} channels through the outbox (each one BullMQ job, a pacer reservation and a`,
    "`chat.postMessage`, so jobs/s = posts/s), Slack's limits off on the server, so the figure is Opsdeck's own. Redis",
    'CPU from `INFO cpu` (it includes the workers starting and stopping). Command: `npm run build && npx tsx',
    `bench/capacity.ts\` (or \`npm run bench\`). Machine: ${f.cores} cores.`,
    '',
    '| workers | seconds | jobs (posts)/s | vs 1 worker | worker CPU ms/post | Redis CPU ms/post | Redis cores busy | machine cores busy |',
    '|---|---|---|---|---|---|---|---|',
    ...f.workers.map(
      (s) =>
        `| ${s.workers} | ${s.seconds.toFixed(1)} | ${s.postsPerSecond.toFixed(0)} | ${(s.postsPerSecond / one.postsPerSecond).toFixed(2)}× | ${s.workerCpuMsPerPost.toFixed(2)} | ${s.redisCpuMsPerPost.toFixed(2)} | ${s.redisCores.toFixed(2)} | ${s.machineCores.toFixed(2)} |`,
    ),
    '',
    `Acks: signed \`/ops help\` commands (bench/acks.ts's load, each unique and freshly signed), ${ACK_CONNECTIONS}`,
    `connections split evenly over 1 and 2 bot processes (\`dist/main.js\`, ROLE=bot, one Redis prefix), each bot loaded`,
    'on its own port at once rather than through a proxy (a Node proxy on these cores would cost about what a bot costs',
    `per request and measure itself; a real load balancer runs elsewhere). ${ACK_SECONDS} s per round after a 2 s`,
    `warm-up, the median of ${ACK_ROUNDS} rounds. Cores busy: CPU seconds per wall second (bots from /proc, Redis from`,
    '`INFO cpu`, the load generator is this process: autocannon signing every request; machine: every process, from',
    '`/proc/stat`, neighbours included).',
    '',
    '| bots | acks/s | vs 1 bot | p99 ms | errors | bot CPU µs/ack | Redis CPU µs/ack | bot cores | Redis cores | load generator cores | machine cores |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...f.acks.map(
      (s) =>
        `| ${s.bots} | ${s.acksPerSecond.toFixed(0)} | ${(s.acksPerSecond / oneBot.acksPerSecond).toFixed(2)}× | ${s.p99} | ${s.errors} | ${s.botCpuUsPerAck.toFixed(0)} | ${s.redisCpuUsPerAck.toFixed(1)} | ${s.botCores.toFixed(2)} | ${s.redisCores.toFixed(2)} | ${s.loadCores.toFixed(2)} | ${s.machineCores.toFixed(2)} |`,
    ),
    '',
    ...bottleneck(f),
    ...sizing(f),
  ].join('\n');
}

await runWhenMain(import.meta.url, benchCapacity, renderCapacity);
