import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { parseCatalog } from '../src/catalog.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { type Opsdeck, slackTransport, startOpsdeck } from '../src/runtime.js';
import { startPrivateRedis } from '../src/workspace/local/private-redis.js';
import { checking, type Ratio, report } from './guard.js';

/**
 * Lets one bench file run on its own (`tsx bench/alerts.ts`) as well as from `npm run bench`: when `moduleUrl` is the
 * script being run, measures against REDIS_URL or a private redis-server, and prints the Markdown section. With
 * `--check`, compares the bench's ratios with their targets (bench/guard.ts) and exits non-zero when one is missed.
 */
export async function runWhenMain<F>(
  moduleUrl: string,
  bench: (redisUrl: string) => Promise<F>,
  render: (figures: F) => string,
  ratios: (figures: F) => Ratio[] = () => [],
): Promise<void> {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-redis-'));
  const redis = process.env.REDIS_URL ? undefined : await startPrivateRedis({ dir });
  let figures: F;
  try {
    figures = await bench(process.env.REDIS_URL ?? redis!.url);
    process.stdout.write(`${render(figures)}\n`);
  } finally {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (checking() && report(ratios(figures)) > 0) process.exitCode = 1;
}

/**
 * One Opsdeck process in this process, as the benches run it: against the Slack-compatible server at `slackApiUrl`,
 * logging nothing, with `opsYml` and any extra environment (`vars` wins).
 */
export async function startBenchOpsdeck(options: {
  slackApiUrl: string;
  botToken: string;
  signingSecret: string;
  redisUrl: string;
  redisPrefix: string;
  opsYml: string;
  vars?: Record<string, string>;
}): Promise<Opsdeck> {
  const vars: Record<string, string> = {
    SLACK_BOT_TOKEN: options.botToken,
    SLACK_SIGNING_SECRET: options.signingSecret,
    SLACK_API_URL: options.slackApiUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...options.vars,
  };
  const env = loadEnv(vars);
  if (env.slack.mode === 'local') throw new Error('the bench gives Slack credentials');
  return startOpsdeck({
    env,
    slack: slackTransport(env.slack),
    catalog: parseCatalog(options.opsYml, vars).catalog,
    logger: createLogger({ level: 'silent' }),
  });
}

/**
 * An HTTP server answering every request with `ok` after `ms` (a check target or a runbook step's endpoint), calling
 * `answered` as each answer goes.
 */
export async function startSlowTarget(ms: number, answered = () => {}): Promise<{ url: string; close(): void }> {
  const server = createServer((_req, res) => {
    setTimeout(() => {
      res.end('ok');
      answered();
    }, ms);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

/**
 * The node flags the container image runs Opsdeck with (the Dockerfile's CMD; `npm start` passes the same), so a bench
 * measures Opsdeck as users run it: every bench that starts `dist/main.js` passes these (bench/acks.ts' baselines get
 * none: they are what a plain Bolt app would run as). Read from the Dockerfile, the one place they are written.
 */
export function productionNodeFlags(): string[] {
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
  const argv = cmd ? (JSON.parse(cmd) as string[]) : [];
  if (argv[0] !== 'node' || argv.at(-1) !== 'dist/main.js') throw new Error('bench: unexpected Dockerfile CMD');
  return argv.slice(1, -1);
}

/**
 * How a bench starts Opsdeck's node: the production flags, and BENCH_NODE_ARGS (space-separated) after them, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to see where a bench's Opsdeck processes spend their time.
 */
export function opsdeckNodeArgs(): string[] {
  return [...productionNodeFlags(), ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
}

/** The environment every Opsdeck process of a bench shares: Slack's address and credentials, Redis and its prefix. */
export function processEnv(o: {
  slackApiUrl: string;
  botToken: string;
  signingSecret: string;
  redisUrl: string;
  redisPrefix: string;
}): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: o.botToken,
    SLACK_SIGNING_SECRET: o.signingSecret,
    SLACK_API_URL: o.slackApiUrl,
    REDIS_URL: o.redisUrl,
    REDIS_PREFIX: o.redisPrefix,
  };
}

/** Polls `probe` every 10 ms until it returns a value (a benchmark may poll; it asserts nothing about time). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} bench: timed out`);
    await delay(10);
  }
}

/** Stops each process (SIGTERM) and waits for it to exit. */
export async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const child of children) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** The p-th percentile of `values` (nearest rank); 0 for none. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * CPU time (user + system, ms) a child process has used so far, from /proc (Linux): a figure that does not grow with
 * the machine's load the way wall time does. Undefined where /proc is not there. Counts the process's own children
 * as well (Opsdeck's program-starting helper, src/platform/spawner.ts): what the programs themselves use is theirs.
 */
export function cpuMsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
    return [String(pid), ...children].reduce((sum, id) => sum + ownCpuMs(id), 0);
  } catch {
    return undefined;
  }
}

function ownCpuMs(pid: string): number {
  try {
    // Fields after the command name: state is the 1st, utime the 12th, stime the 13th (clock ticks, 100 a second).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    // A child that has just exited.
    return 0;
  }
}

/** Commands Redis has run so far, by command (`INFO commandstats`): a bench's round trips, whatever the load. */
export async function redisCommandCounts(redisUrl: string): Promise<Map<string, number>> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    const info = await redis.info('commandstats');
    const counts = new Map<string, number>();
    for (const [, command, calls] of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
      counts.set(command!, Number(calls));
    return counts;
  } finally {
    redis.disconnect();
  }
}

/** What Redis ran between two `redisCommandCounts`, by command, and in all. */
export function commandsBetween(before: Map<string, number>, after: Map<string, number>) {
  const by = new Map<string, number>();
  let total = 0;
  for (const [command, calls] of after) {
    const n = calls - (before.get(command) ?? 0);
    if (n > 0) by.set(command, n);
    total += n;
  }
  return { total, by };
}

/**
 * A `/ops help` as Slack posts it (a form), less its trigger_id: each request adds its own (`&trigger_id=…`), so every
 * one is unique. The acks bench's load and the runbooks bench's help probe send it.
 */
export function helpCommandForm(): string {
  return new URLSearchParams({
    token: 'bench',
    team_id: 'T0BENCH',
    team_domain: 'bench',
    channel_id: 'C0BENCH',
    channel_name: 'bench',
    user_id: 'U0BENCH',
    user_name: 'bench',
    command: '/ops',
    text: 'help',
    api_app_id: 'A0BENCH',
    is_enterprise_install: 'false',
    response_url: 'http://127.0.0.1:9/response/unused',
  }).toString();
}
