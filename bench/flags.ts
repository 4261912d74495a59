/**
 * OFREP evaluation (issue #18): single-flag evaluations per second and p99 at 10 and 50 connections, Opsdeck
 * (`dist/main.js`, a flag set of 100 flags in memory) against a bare node:http server answering one constant JSON body
 * (the floor), in the same run; then the bulk evaluation of all 100 flags. Every request carries its own targeting key.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { defaultVariants } from '../src/flags/rules.js';
import { FlagStore } from '../src/flags/store.js';
import { freePort } from '../src/workspace/local/private-redis.js';
import { createSlackServer } from '../src/workspace/server.js';
import { flagRatios } from './guard.js';
import { opsdeckNodeArgs, runWhenMain } from './standalone.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 6);
const FLAGS = 100;
const TOKEN = 'bench-ofrep-token-0123456789';

export interface FlagRow {
  target: string;
  what: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function start(script: string, env: Record<string, string>, port: number): Promise<ChildProcess> {
  const child = fork(script, [], {
    // Opsdeck as deployed; the floor is plain node.
    execArgv: script === 'dist/main.js' ? opsdeckNodeArgs() : [],
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.once('message', () => resolve());
    void (async () => {
      for (let i = 0; i < 400 && child.exitCode === null; i++) {
        if (
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          return resolve();
        await delay(50);
      }
    })();
  });
  return child;
}

async function load(port: number, path: string, connections: number, seconds: number) {
  let n = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ context: { targetingKey: `user-${n++}`, plan: 'pro' } }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        }),
      },
    ],
  });
}

const row = (target: string, what: string, connections: number, r: autocannon.Result): FlagRow => ({
  target,
  what,
  connections,
  rps: Math.round(r.requests.average),
  p50: r.latency.p50,
  p99: r.latency.p99,
  errors: r.errors + r.timeouts + r.non2xx,
});

/** Seeds 100 flags (on, rolled out, targeted) in staging under `prefix`, as `/ops flag` would have. */
async function seed(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  const store = new FlagStore(redis, (...parts) => [prefix, 'flags', ...parts].join(':'), ['staging']);
  for (let i = 0; i < FLAGS; i++) {
    const key = `bench-${i}`;
    await store.create({
      key,
      type: 'boolean',
      description: 'bench',
      owner: 'U0BENCH',
      createdAt: 0,
      variants: defaultVariants('boolean'),
    });
    const operation = i % 3 === 0 ? { op: 'on' as const } : { op: 'rollout' as const, percent: (i % 10) * 10 + 5 };
    await store.change({ key, environment: 'staging', operation, by: 'U0BENCH', at: 0, what: 'bench' });
    if (i % 5 === 0) {
      await store.change({
        key,
        environment: 'staging',
        operation: { op: 'target', action: 'add', ids: ['user-1', 'user-2'] },
        by: 'U0BENCH',
        at: 0,
        what: 'bench',
      });
    }
  }
  redis.disconnect();
}

export async function benchFlags(redisUrl: string): Promise<FlagRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-flags-'));
  const opsYml = join(dir, 'ops.yml');
  writeFileSync(
    opsYml,
    `roles: { deployer: [U0BENCH] }\nflags:\n  environments:\n    staging: { token: "${TOKEN}" }\n`,
  );
  const slack = await createSlackServer({
    botToken: 'xoxb-bench-flags',
    signingSecret: 'bench-secret-0123456789',
    rateLimits: false,
  });
  const prefix = `benchflags${Date.now()}`;
  await seed(redisUrl, prefix);
  const rows: FlagRow[] = [];
  const targets: Array<{ name: string; script: string; env: Record<string, string> }> = [
    { name: 'floor (node:http, constant JSON)', script: 'bench/targets/constant-json.mjs', env: {} },
    {
      name: 'opsdeck OFREP',
      script: 'dist/main.js',
      env: {
        SLACK_BOT_TOKEN: 'xoxb-bench-flags',
        SLACK_SIGNING_SECRET: 'bench-secret-0123456789',
        SLACK_API_URL: slack.apiUrl,
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        OPS_CONFIG: opsYml,
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
      },
    },
  ];
  try {
    for (const target of targets) {
      const port = await freePort();
      const child = await start(target.script, target.env, port);
      try {
        await load(port, '/ofrep/v1/evaluate/flags/bench-1', 10, 2); // warm-up: JIT, the flag set's first load
        for (const connections of [10, 50]) {
          rows.push(
            row(
              target.name,
              'single flag',
              connections,
              await load(port, '/ofrep/v1/evaluate/flags/bench-1', connections, DURATION_S),
            ),
          );
        }
        if (target.script === 'dist/main.js') {
          rows.push(
            row(target.name, `bulk, ${FLAGS} flags`, 10, await load(port, '/ofrep/v1/evaluate/flags', 10, DURATION_S)),
          );
        }
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
  } finally {
    await slack.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export function renderFlags(rows: FlagRow[]): string {
  const floor = (c: number) => rows.find((r) => r.target.startsWith('floor') && r.connections === c);
  const lines = [
    '## OFREP flag evaluation',
    '',
    `POST /ofrep/v1/evaluate/flags/{key} with a bearer token and a fresh targeting key per request, against Opsdeck`,
    `(dist/main.js, ${FLAGS} flags in memory: on, rolled out, targeted) and a node:http server answering constant JSON;`,
    `${DURATION_S} s per cell after a 2 s warm-up. Bulk: POST /ofrep/v1/evaluate/flags, all ${FLAGS} flags per request.`,
    '',
    '| target | request | conns | req/s | p50 ms | p99 ms | errors | req/s vs floor |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const base = r.what === 'single flag' ? floor(r.connections) : undefined;
      const ratio = base ? `${(r.rps / base.rps).toFixed(2)}×` : '–';
      return `| ${r.target} | ${r.what} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${ratio} |`;
    }),
    '',
    'Targets (issue #18): single flag ≥ 0.5× the floor’s req/s and p99 < 5 ms at 50 connections; bulk of 100 flags p99 < 10 ms.',
    '',
  ];
  return lines.join('\n');
}

await runWhenMain(import.meta.url, benchFlags, renderFlags, flagRatios);
