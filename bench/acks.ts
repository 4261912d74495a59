/**
 * Ack benchmark (issues #2, #21): signed `/ops help` commands against Opsdeck as a `bot` process and as an `all`
 * process (every capability's workers loaded), a bare Bolt app that only acks, and a bare node:http server that only
 * verifies the signature (the floor), in the same run, at 10 and 50 connections. Every request is unique and freshly
 * signed (Opsdeck drops exact replays, so reusing one body would measure the replay path). Every target runs as plain
 * compiled JS (`npm run bench` builds dist/ first), so RSS is not inflated by a TypeScript loader. Idle RSS is read
 * once a target is ready and before it has served anything. Bare Bolt answers with the very message Opsdeck answers
 * `/ops help` with (asked of Opsdeck once before the rounds), so both write the same bytes per ack. Run by `npm run bench`, or alone:
 * `npm run build && tsx bench/acks.ts`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { signRequest } from '../src/slack/signature.js';
import { freePort } from '../src/workspace/local/private-redis.js';
import { createSlackServer } from '../src/workspace/server.js';
import { ackRatios, BARE_BOLT, OPSDECK_ALL, OPSDECK_BOT } from './guard.js';
import { helpCommandForm, opsdeckNodeArgs, productionNodeFlags, runWhenMain } from './standalone.js';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 6);
/**
 * Each round starts every target afresh and loads it in turn; a cell reports the median of its rounds, so one noisy
 * moment on a shared 2-core machine (a GC pause, another process) does not decide a ratio.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = [10, 50];

export interface Target {
  name: string;
  script: string;
  env: Record<string, string>;
}

export interface AckRow {
  target: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  rssIdleMb: number;
  rssAfterMb: number;
}

export interface AckFigures {
  rows: AckRow[];
  rounds: number;
  durationSeconds: number;
}

function commandBody(n: number): string {
  return `${helpCommandForm()}&trigger_id=${n}.${Date.now()}.${randomBytes(8).toString('hex')}`;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return Math.round(kb / 102.4) / 10;
}

export async function startTarget(target: Target, port: number): Promise<ChildProcess> {
  const child = fork(target.script, [], {
    execArgv: target.script === 'dist/main.js' ? opsdeckNodeArgs() : [],
    env: { ...process.env, ...target.env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Opsdeck reports readiness by answering /healthz; the baselines send 'ready' over IPC.
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${target.name} exited with ${code}`)));
    child.once('message', () => resolve());
    const poll = async () => {
      for (let i = 0; i < 400 && child.exitCode === null; i++) {
        const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return resolve();
        await delay(50);
      }
    };
    if (target.script === 'dist/main.js') void poll();
  });
  return child;
}

/** One signed `/ops help`, as the load sends it. */
function signedHelp(signingSecret: string, n: number): { body: string; headers: Record<string, string> } {
  const body = commandBody(n);
  const ts = Math.floor(Date.now() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signRequest(signingSecret, ts, body),
    },
  };
}

/** The answer (the body of the ack) to one signed `/ops help` sent to the bot on `port`. */
export async function askHelp(port: number, signingSecret: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', ...signedHelp(signingSecret, 0) });
  if (!res.ok) throw new Error(`bench: /ops help answered ${res.status}`);
  return res.text();
}

/** Opsdeck's answer to `/ops help` (the body of its ack), for the bare Bolt baseline to answer with. */
async function helpAnswer(target: Target): Promise<string> {
  const port = await freePort();
  const child = await startTarget(target, port);
  try {
    return await askHelp(port, target.env.SLACK_SIGNING_SECRET!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

/** Loads the target on `port` with unique, freshly signed `/ops help` commands over `connections` for `seconds`. */
export async function load(port: number, signingSecret: string, connections: number, seconds: number) {
  let n = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}/slack/events`,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => ({ ...req, ...signedHelp(signingSecret, n++) }),
      },
    ],
  });
}

/** Starts `target`, warms it up, and loads it at each connection count. */
async function measure(target: Target, signingSecret: string): Promise<AckRow[]> {
  const port = await freePort();
  const child = await startTarget(target, port);
  await delay(1000); // let start-up work (connections, first timers) settle before reading idle RSS
  const rssIdleMb = rssMb(child.pid!);
  const rows: AckRow[] = [];
  try {
    await load(port, signingSecret, 10, 2); // warm-up: JIT, connection pools, Bolt's one-time auth.test
    for (const connections of CONNECTIONS) {
      const result = await load(port, signingSecret, connections, DURATION_S);
      rows.push({
        target: target.name,
        connections,
        rps: Math.round(result.requests.average),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts + result.non2xx,
        rssIdleMb,
        rssAfterMb: rssMb(child.pid!),
      });
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return rows;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** One row per (target, connections): the median of each figure over the rounds; errors are summed. */
function medians(samples: AckRow[]): AckRow[] {
  const cells = new Map<string, AckRow[]>();
  for (const row of samples) {
    const key = `${row.target}\u0000${row.connections}`;
    cells.set(key, [...(cells.get(key) ?? []), row]);
  }
  return [...cells.values()].map((rows) => ({
    target: rows[0]!.target,
    connections: rows[0]!.connections,
    rps: median(rows.map((r) => r.rps)),
    p50: median(rows.map((r) => r.p50)),
    p99: median(rows.map((r) => r.p99)),
    errors: rows.reduce((sum, r) => sum + r.errors, 0),
    rssIdleMb: median(rows.map((r) => r.rssIdleMb)),
    rssAfterMb: median(rows.map((r) => r.rssAfterMb)),
  }));
}

/**
 * The Slack-compatible server (its limits off) and the credentials an ack bench signs with, and Opsdeck as a target
 * against them; every Opsdeck target of one setup shares one Redis prefix, as the processes of one deployment do.
 */
export async function ackSetup(redisUrl: string) {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await createSlackServer({ botToken, signingSecret, rateLimits: false });
  const common = { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: signingSecret, SLACK_API_URL: slack.apiUrl };
  const prefix = `benchacks${Date.now()}`;
  const opsdeck = (name: string, role: string): Target => ({
    name,
    script: 'dist/main.js',
    env: {
      ...common,
      ROLE: role,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      OPS_CONFIG: 'ops.example.yml',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    },
  });
  return { signingSecret, common, opsdeck, close: () => slack.close() };
}

export async function benchAcks(redisUrl: string): Promise<AckFigures> {
  const setup = await ackSetup(redisUrl);
  const { signingSecret, common, opsdeck } = setup;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-acks-'));
  const ackMessageFile = join(dir, 'help.json');
  const targets: Target[] = [
    { name: 'floor (node:http + signature)', script: 'bench/targets/bare-http.mjs', env: common },
    { name: BARE_BOLT, script: 'bench/targets/bare-bolt.mjs', env: { ...common, ACK_MESSAGE_FILE: ackMessageFile } },
    opsdeck(OPSDECK_BOT, 'bot'),
    opsdeck(OPSDECK_ALL, 'all'),
  ];
  const samples: AckRow[] = [];
  try {
    writeFileSync(ackMessageFile, await helpAnswer(opsdeck(OPSDECK_BOT, 'bot')));
    for (let round = 0; round < ROUNDS; round++) {
      for (const target of targets) samples.push(...(await measure(target, signingSecret)));
    }
  } finally {
    await setup.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows: medians(samples), rounds: ROUNDS, durationSeconds: DURATION_S };
}

export function renderAcks(f: AckFigures): string {
  const bolt = (c: number) => f.rows.find((r) => r.target === BARE_BOLT && r.connections === c)!;
  const ratio = (a: number, b: number) => (b ? (a / b).toFixed(2) : '–');
  return [
    '# Benchmark results',
    '',
    `Signed \`/ops help\` commands, each unique and freshly signed; ${f.durationSeconds} s per cell after a 2 s warm-up;`,
    `each figure is the median of ${f.rounds} rounds (every round restarts every target). Errors are summed over rounds.`,
    "RSS idle: the ready process, settled for 1 s, before any request. RSS after: once the cell's load has run.",
    `Opsdeck runs \`${['node', ...productionNodeFlags(), 'dist/main.js'].join(' ')}\` (the image's CMD) with ops.example.yml`,
    'as a `bot` process (answers Slack, enqueues) and as an `all` process (the bot and every declared queue’s worker in',
    'one). Bare Bolt acks with the same message as Opsdeck’s `/ops help` answer (the whole overview, serialized per',
    'request), so the ratio is what Opsdeck adds, not the size of the answer.',
    `Machine: ${process.arch}, Node ${process.version}. Command: \`npm run bench\` (alone: \`tsx bench/acks.ts\`).`,
    '',
    '| target | conns | req/s | p50 ms | p99 ms | errors | RSS idle MB | RSS after MB | req/s vs Bolt | p99 vs Bolt |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...f.rows.map((r) => {
      const base = bolt(r.connections);
      return `| ${r.target} | ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.rssIdleMb} | ${r.rssAfterMb} | ${ratio(r.rps, base.rps)}× | ${ratio(r.p99, base.p99)}× |`;
    }),
    '',
    'Targets (issue #21, for both roles): ≥ 0.95× bare Bolt req/s, p99 ≤ 1.1× bare Bolt p99, idle RSS ≤ 110 MB.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchAcks, renderAcks, ackRatios);
