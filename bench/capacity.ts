/**
 * Capacity (issue #22): how Opsdeck's own throughput grows with worker processes, and what Redis spends on it, so a
 * team can size a deployment. 2,000 posts over 200 channels through the outbox, delivered by 1, 2 and 4 worker
 * processes against the Slack-compatible server with its limits off (Slack's pace would otherwise be the figure:
 * one post a second per channel). Redis CPU is `INFO cpu` before and after each step. On a machine of N cores the
 * workers, the Slack server, Redis and this process share them: read the ratios, not the absolute rates.
 * Run alone: `npm run build && npx tsx bench/capacity.ts`.
 */
import { Redis } from 'ioredis';
import { deliver } from './delivery.js';
import { runWhenMain } from './standalone.js';

const MESSAGES = 2_000;
const CHANNELS = 200;
const WORKER_COUNTS = [1, 2, 4];

interface Step {
  workers: number;
  seconds: number;
  postsPerSecond: number;
  /** Redis CPU seconds (user + sys) spent during the step, per post. */
  redisCpuMsPerPost: number;
  /** Redis CPU seconds per wall second: 1.0 is one core busy. */
  redisCores: number;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

export async function benchCapacity(redisUrl: string): Promise<Step[]> {
  const redis = new Redis(redisUrl);
  const steps: Step[] = [];
  try {
    for (const workers of WORKER_COUNTS) {
      const cpuBefore = await redisCpuSeconds(redis);
      const figures = await deliver(redisUrl, { messages: MESSAGES, channels: CHANNELS, workers, rateLimits: false });
      const cpu = (await redisCpuSeconds(redis)) - cpuBefore;
      steps.push({
        workers,
        seconds: figures.seconds,
        postsPerSecond: MESSAGES / figures.seconds,
        redisCpuMsPerPost: (cpu * 1000) / MESSAGES,
        redisCores: cpu / figures.seconds,
      });
    }
  } finally {
    redis.disconnect();
  }
  return steps;
}

export function renderCapacity(steps: Step[]): string {
  const one = steps[0]!;
  return [
    '## Capacity: worker processes',
    '',
    `${MESSAGES} posts over ${CHANNELS} channels through the outbox (each a BullMQ job, a pacer reservation and a`,
    "`chat.postMessage`), Slack's limits off on the server, so the figure is Opsdeck's own. Redis CPU from `INFO cpu`",
    '(it includes the workers starting and stopping). Command: `npm run build && npx tsx bench/capacity.ts`.',
    '',
    '| workers | seconds | posts/s | vs 1 worker | Redis CPU ms/post | Redis cores busy |',
    '|---|---|---|---|---|---|',
    ...steps.map(
      (s) =>
        `| ${s.workers} | ${s.seconds.toFixed(1)} | ${s.postsPerSecond.toFixed(0)} | ${(s.postsPerSecond / one.postsPerSecond).toFixed(2)}× | ${s.redisCpuMsPerPost.toFixed(2)} | ${s.redisCores.toFixed(2)} |`,
    ),
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchCapacity, renderCapacity);
