/**
 * Delivery benchmark (issue #7): 300 messages to 10 channels through the outbox, delivered by 3 worker processes
 * (`dist/main.js` with ROLE=worker) against the Slack-compatible server with Slack's limits on. Reports the time until
 * every message is in its channel against the least the per-channel limit allows, and the 429s Slack answered after
 * the first second. Run by `npm run bench` (after the ack benchmark), or alone: `npm run build && tsx bench/delivery.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { JobQueues } from '../src/jobs/queues.js';
import { createLogger } from '../src/log.js';
import { createMetrics } from '../src/metrics.js';
import type { QueueDef } from '../src/platform/queue.js';
import { connectRedis } from '../src/redis/connections.js';
import { redisKeys } from '../src/redis/keys.js';
import { createSlackClient } from '../src/slack/client.js';
import { SlackOutbox } from '../src/slack/outbox/outbox.js';
import { outboxQueue } from '../src/slack/outbox/outbox-queue.js';
import { POST_MESSAGE_PER_SECOND } from '../src/slack/rate-tiers.js';
import { createSlackServer } from '../src/workspace/server.js';
import { deliveryRatios } from './guard.js';
import { cpuMsOf, opsdeckNodeArgs, processEnv, runWhenMain } from './standalone.js';

const MESSAGES = 300;
const CHANNELS = 10;
const WORKERS = 3;
/** The local server's chat.postMessage burst per channel (RateLimiter's default): the bound below counts it. */
const SERVER_BURST = 4;

export interface DeliveryFigures {
  messages: number;
  channels: number;
  workers: number;
  /** From the first enqueue to the last message accepted by the server. */
  seconds: number;
  /** What the per-channel limit allows at best: each channel's burst at once, then one per second. */
  minimumSeconds: number;
  /** Answers with 429 after the first second (the pacer's target is none at all). */
  lateRateLimited: number;
  rateLimited: number;
  /** CPU seconds the worker processes spent from the first enqueue to the last post (start-up not counted). */
  workerCpuSeconds: number;
}

/**
 * Starts an Opsdeck process (`dist/main.js` with the node flags it is deployed with, and BENCH_NODE_ARGS: see
 * `opsdeckNodeArgs`) and resolves once it logged that it started.
 */
export function startWorker(env: Record<string, string>): Promise<ChildProcess> {
  const execArgv = opsdeckNodeArgs();
  const child = fork('dist/main.js', [], { execArgv, env: { ...process.env, ...env }, stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    let pending = '';
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    child.stderr!.pipe(process.stderr);
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      if (pending.includes('"msg":"opsdeck started"')) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve(child);
      }
    });
  });
}

export interface DeliveryLoad {
  messages: number;
  channels: number;
  workers: number;
  /** Slack's limits on the server (the delivery bench) or off (capacity: what Opsdeck itself can push). */
  rateLimits: boolean;
}

export function benchDelivery(redisUrl: string): Promise<DeliveryFigures> {
  return deliver(redisUrl, { messages: MESSAGES, channels: CHANNELS, workers: WORKERS, rateLimits: true });
}

/** Posts `load.messages` through the outbox over `load.channels`, delivered by `load.workers` worker processes. */
export async function deliver(redisUrl: string, load: DeliveryLoad): Promise<DeliveryFigures> {
  const { messages: MESSAGES, channels: CHANNELS, workers: WORKERS } = load;
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: `C0BENCH${i}`, name: `bench-${i}` }));
  const slack = await createSlackServer({ botToken, signingSecret, channels, rateLimits: load.rateLimits });
  const prefix = `benchdelivery${Date.now()}`;
  const env = {
    ...processEnv({ slackApiUrl: slack.apiUrl, botToken, signingSecret, redisUrl, redisPrefix: prefix }),
    ROLE: 'worker',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) => startWorker({ ...env, WORKER_ID: `bench-${i}` })),
  );
  const logger = createLogger({ level: 'silent' });
  const redis = connectRedis(redisUrl, redisKeys(prefix), logger);
  await redis.client.connect();
  // This process only enqueues: the workers deliver.
  const producer = new JobQueues(redis, [outboxQueue as QueueDef<unknown>], logger);
  const outbox = new SlackOutbox({
    client: createSlackClient(botToken, slack.apiUrl),
    jobs: producer,
    redis,
    metrics: createMetrics(),
    logger,
  });
  try {
    let delivered = 0;
    const done = new Promise<number>((resolve) => {
      slack.events.on('call', (call: { method: string; status: number; at: number }) => {
        if (call.method === 'chat.postMessage' && call.status === 200 && ++delivered === MESSAGES) resolve(call.at);
      });
    });
    const workersCpu = () => workers.reduce((sum, w) => sum + (cpuMsOf(w.pid) ?? 0) / 1000, 0);
    const cpuBefore = workersCpu();
    const start = Date.now();
    // Channel by channel, as an alert storm on one service then the next would come: the pacer must not let one
    // channel's backlog hold up the others.
    for (let i = 0; i < MESSAGES; i++) {
      const channel = channels[Math.floor(i / (MESSAGES / CHANNELS))]!.id;
      await outbox.post({ key: `bench-${i}`, channel, message: { text: `message ${i}` } });
    }
    const end = await done;
    const workerCpuSeconds = workersCpu() - cpuBefore;
    const limited = slack.calls.filter((c) => c.status === 429);
    const perChannel = MESSAGES / CHANNELS;
    return {
      messages: MESSAGES,
      channels: CHANNELS,
      workers: WORKERS,
      seconds: (end - start) / 1000,
      minimumSeconds: Math.max(0, perChannel - SERVER_BURST) / POST_MESSAGE_PER_SECOND,
      rateLimited: limited.length,
      lateRateLimited: limited.filter((c) => c.at - start > 1000).length,
      workerCpuSeconds,
    };
  } finally {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    await producer.close();
    await redis.close();
    await slack.close();
  }
}

export function renderDelivery(f: DeliveryFigures): string {
  const ratio = f.minimumSeconds ? (f.seconds / f.minimumSeconds).toFixed(2) : '–';
  return [
    '## Delivery through the outbox',
    '',
    `${f.messages} messages to ${f.channels} channels (enqueued channel by channel), delivered by ${f.workers} worker`,
    'processes (`dist/main.js`, ROLE=worker) against the Slack-compatible server with its limits on (chat.postMessage',
    `1/s per channel, burst ${SERVER_BURST}). Minimum: each channel's burst at once, then one per second.`,
    '',
    '| messages | channels | workers | seconds | minimum s | vs minimum | 429s | 429s after 1 s |',
    '|---|---|---|---|---|---|---|---|',
    `| ${f.messages} | ${f.channels} | ${f.workers} | ${f.seconds.toFixed(1)} | ${f.minimumSeconds} | ${ratio}× | ${f.rateLimited} | ${f.lateRateLimited} |`,
    '',
    'Targets (issue #7): at most 1.15× the minimum, no 429 after the first second.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchDelivery, renderDelivery, deliveryRatios);
