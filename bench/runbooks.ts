/**
 * Runbooks benchmark (issue #19): RUNS runbooks of 3 steps (`true`, an HTTP call its target answers in 50 ms, `true`)
 * started at once by `/ops run` (one service and channel each, no approval), against Opsdeck as deployed: a bot and a
 * worker process (`dist/main.js`, the worker with WORKER_CONCURRENCY=CONCURRENCY), and the Slack-compatible server
 * with Slack's limits on. Reports the time from the first command until the last run's last step finished, against
 * two yardsticks measured in the same run:
 * - the bare loop (bench/targets/bare-runbooks.mjs): the same runs of the same steps, CONCURRENCY at a time, in a
 *   plain node loop with nothing recorded — what this machine does with the steps alone (median of 3);
 * - the ideal for the concurrency: ceil(runs / concurrency) × (50 ms + 2 × one `true`), one `true` timed alone here
 *   (spawn to exit). No loop reaches it on a small machine: eight programs started at once share its cores.
 * Meanwhile `/ops help` is sent every 20 ms from a process of its own (bench/targets/help-probe.mjs); its ack p99 is
 * reported, and apart for the helps sent while the burst of `/ops run` was being acked and after. Its yardstick: the
 * same burst and the same probe against a Bolt app that only acks (bench/targets/bare-bolt.mjs, answering Opsdeck's
 * own help), in the same run — what a help waits behind 100 commands at once on this machine with Bolt alone.
 * Run by `npm run bench`, or alone: `npm run build && tsx bench/runbooks.ts`; BENCH_RUNBOOKS_DUMP=<file> writes every
 * run's record (each step's start and end) there, to see where the time goes.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { redisKeys } from '../src/redis/keys.js';
import { freePort } from '../src/workspace/local/private-redis.js';
import { createSlackServer } from '../src/workspace/server.js';
import { askHelp, startTarget } from './acks.js';
import { startWorker } from './delivery.js';
import { runbookRatios } from './guard.js';
import {
  helpCommandForm,
  percentile,
  processEnv,
  runWhenMain,
  startSlowTarget,
  stopAll,
  waitFor,
} from './standalone.js';

const RUNS = Number(process.env.BENCH_RUNBOOKS ?? 100);
/** Rounds of RUNS runs, one after another against the same processes: the figures are the median round's. */
const ROUNDS = Number(process.env.BENCH_RUNBOOKS_ROUNDS ?? 3);
const CONCURRENCY = 8;
const TARGET_MS = 50;
const USER = 'U0BENCH';
const channelOf = (i: number) => `C0RUN${i}`;

export interface RunbookFigures {
  runs: number;
  concurrency: number;
  /** From the first `/ops run` to the last run's last step finished (the worker's own clock, this machine's). */
  seconds: number;
  idealSeconds: number;
  /** One `true`, spawn to exit, timed here (median of 20). */
  trueMs: number;
  /** The bare loop's time for the same runs (median of its rounds). */
  bareSeconds: number;
  /** Every round's time, Opsdeck's and the bare loop's, in order. */
  roundSeconds: number[];
  bareRoundSeconds: number[];
  succeeded: number;
  acks: number;
  ackP99Ms: number;
  /** The helps sent while the burst of `/ops run` was being acked, and those sent after (while the runs ran). */
  ackDuringBurstP99Ms: number;
  ackAfterBurstP99Ms: number;
  /** From the first `/ops run` to the last one's ack (median round). */
  burstAckMs: number;
  /** The yardstick: the same burst and probe against bare Bolt — its help p99, and the time to ack its burst. */
  boltAckP99Ms: number;
  boltBurstAckMs: number;
  /** CPU time (user + system) each process spent from the first command to the last step: robust to a loaded machine. */
  workerCpuSeconds: number;
  botCpuSeconds: number;
  /** Redis commands per step, every process's (the help acks' included, this bench's polling not). */
  redisCommandsPerStep: number;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid: number | undefined): number {
  try {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Commands Redis has run so far, by command, from INFO commandstats. */
async function commandCounts(redis: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    counts.set(match[1]!, Number(match[2]));
  return counts;
}

/** Spawn to exit of `true`, as the process runner starts a step (median of 20 in a row). */
async function timeTrue(): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await new Promise((resolve) => spawn('true', [], { stdio: 'ignore' }).once('exit', resolve));
    times.push(performance.now() - start);
  }
  return percentile(times, 50);
}

/** The bare loop's time for RUNS runs against `url`, each of ROUNDS rounds (see bench/targets/bare-runbooks.mjs). */
async function bareLoop(url: string): Promise<number[]> {
  const child = fork('bench/targets/bare-runbooks.mjs', [url, String(RUNS), String(CONCURRENCY), String(ROUNDS)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { ms } = await new Promise<{ ms: number[] }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { ms: number[] }));
    child.once('exit', (code) => reject(new Error(`bare loop exited with ${code}`)));
  });
  child.kill();
  return ms.map((one) => one / 1000);
}

/** The help probe (bench/targets/help-probe.mjs), ready: `start` begins its `/ops help`s, `stop` ends and returns them. */
async function startHelpProbe(url: string, signingSecret: string) {
  const body = helpCommandForm();
  const child = fork('bench/targets/help-probe.mjs', [], {
    env: { ...process.env, URL: url, SECRET: signingSecret, BODY: body },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      child.once('message', (message) => resolve(message as T));
      child.once('exit', (code) => reject(new Error(`help probe exited with ${code}`)));
    });
  await next();
  return {
    start: (since: number) => child.send({ since }),
    async stop(): Promise<{ sentAt: number; ms: number }[]> {
      const answer = next<{ acks: { sentAt: number; ms: number }[] }>();
      child.send({ stop: true });
      return (await answer).acks;
    },
    kill: () => child.kill(),
  };
}

export async function benchRunbooks(redisUrl: string): Promise<RunbookFigures> {
  const target = await startSlowTarget(TARGET_MS);
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-bench-runbooks-'));
  const services = Array.from({ length: RUNS }, (_, i) => `  svc-${i}: { runbooks: [bench] }`);
  writeFileSync(
    join(dir, 'ops.yml'),
    [
      `roles: { deployer: [${USER}] }`,
      'services:',
      ...services,
      'runbooks:',
      '  bench:',
      '    description: Three short steps',
      '    steps:',
      '      - { name: first, run: ["true"] }',
      `      - { name: call, http: { url: "${target.url}/{service}" } }`,
      '      - { name: last, run: ["true"] }',
      '',
    ].join('\n'),
  );
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await createSlackServer({
    botToken,
    signingSecret,
    users: [{ id: USER, name: 'bench' }],
    channels: Array.from({ length: RUNS }, (_, i) => ({ id: channelOf(i), name: `run-${i}`, members: [USER] })),
    app: { commands: [{ command: '/ops', shouldEscape: false }], shortcuts: [], botEvents: [] },
  });
  const port = await freePort();
  const prefix = `benchrunbooks${Date.now()}`;
  const env = {
    ...processEnv({ slackApiUrl: slack.apiUrl, botToken, signingSecret, redisUrl, redisPrefix: prefix }),
    OPS_CONFIG: join(dir, 'ops.yml'),
    WORKER_CONCURRENCY: String(CONCURRENCY),
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  const trueMs = await timeTrue();
  const bareRoundSeconds = await bareLoop(target.url);
  // As deployed (docker-compose.yml): a bot process answers Slack, a worker process runs the steps.
  const bot = await startWorker({ ...env, ROLE: 'bot' });
  const worker = await startWorker({ ...env, ROLE: 'worker', PORT: '0', WORKER_ID: 'bench-worker' });
  slack.setRequestUrl(`http://127.0.0.1:${port}/slack/events`);
  const redis = new Redis(redisUrl);
  const keys = redisKeys(prefix);
  const helps = await startHelpProbe(`http://127.0.0.1:${port}/slack/events`, signingSecret);
  try {
    const rounds: Round[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push(await runRound({ slack, redis, keys, helps, worker, bot }, round));
      // The runs' posts (held a second after each run starts) are delivered before the next round starts.
      await waitFor('runbooks outbox', async () => ((await outboxBacklog(redis, keys)) === 0 ? true : undefined));
    }
    const bolt = await bareBoltBursts({ slack, signingSecret, botToken, dir, helpFrom: port }, rounds);
    if (process.env.BENCH_RUNBOOKS_DUMP)
      writeFileSync(process.env.BENCH_RUNBOOKS_DUMP, JSON.stringify({ rounds, bolt }));
    const median = [...rounds].sort((a, b) => a.seconds - b.seconds)[Math.floor(ROUNDS / 2)]!;
    const acks = rounds.flatMap((round) => round.acks.map((ack) => ack.ms));
    const split = (during: boolean) =>
      p99(rounds.flatMap((round) => round.acks.filter((a) => a.sentAt < round.burstMs === during).map((a) => a.ms)));
    return {
      runs: RUNS,
      concurrency: CONCURRENCY,
      seconds: median.seconds,
      idealSeconds: (Math.ceil(RUNS / CONCURRENCY) * (TARGET_MS + 2 * trueMs)) / 1000,
      trueMs,
      bareSeconds: percentile(bareRoundSeconds, 50),
      roundSeconds: rounds.map((round) => round.seconds),
      bareRoundSeconds,
      succeeded: rounds.reduce((sum, round) => sum + round.succeeded, 0) / ROUNDS,
      acks: acks.length,
      ackP99Ms: p99(acks),
      ackDuringBurstP99Ms: split(true),
      ackAfterBurstP99Ms: split(false),
      burstAckMs: percentile(
        rounds.map((round) => round.burstMs),
        50,
      ),
      boltAckP99Ms: p99(bolt.flatMap((round) => round.acks.map((ack) => ack.ms))),
      boltBurstAckMs: percentile(
        bolt.map((round) => round.burstMs),
        50,
      ),
      workerCpuSeconds: median.workerCpuSeconds,
      botCpuSeconds: median.botCpuSeconds,
      redisCommandsPerStep: median.redisCommandsPerStep,
    };
  } finally {
    helps.kill();
    redis.disconnect();
    await stopAll([bot, worker]);
    await slack.close();
    target.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The 99th percentile of `ms`, to a tenth. */
const p99 = (ms: number[]) => Math.round(percentile(ms, 99) * 10) / 10;

/** What the help probe saw in one round: its acks, and when (ms after the round began) the burst was all acked. */
interface Helps {
  acks: { sentAt: number; ms: number }[];
  burstMs: number;
}

/** RUNS `/ops run` at once from the Slack-compatible server, to whatever its request URL is now; resolves once all acked. */
async function burst(slack: Awaited<ReturnType<typeof createSlackServer>>): Promise<number[]> {
  return Promise.all(
    Array.from({ length: RUNS }, async (_, i) => {
      const sent = await slack.sendCommand({ userId: USER, channelId: channelOf(i), text: `run bench svc-${i}` });
      return sent.ackMs;
    }),
  );
}

/**
 * The help ack's yardstick: the same burst of `/ops run`, with the same probe, against bare Bolt answering Opsdeck's
 * own `/ops help` (fetched from the bot on port `helpFrom`) — one round per Opsdeck round, the probe running as long
 * as that round did, so both count about as many helps.
 */
async function bareBoltBursts(
  o: {
    slack: Awaited<ReturnType<typeof createSlackServer>>;
    signingSecret: string;
    botToken: string;
    dir: string;
    helpFrom: number;
  },
  rounds: Round[],
): Promise<Helps[]> {
  const ackMessageFile = join(o.dir, 'help.json');
  writeFileSync(ackMessageFile, await askHelp(o.helpFrom, o.signingSecret));
  const port = await freePort();
  const bolt = await startTarget(
    {
      name: 'bare Bolt',
      script: 'bench/targets/bare-bolt.mjs',
      env: {
        SLACK_SIGNING_SECRET: o.signingSecret,
        SLACK_BOT_TOKEN: o.botToken,
        SLACK_API_URL: o.slack.apiUrl,
        ACK_MESSAGE_FILE: ackMessageFile,
      },
    },
    port,
  );
  const url = `http://127.0.0.1:${port}/slack/events`;
  const helps = await startHelpProbe(url, o.signingSecret);
  try {
    o.slack.setRequestUrl(url);
    const measured: Helps[] = [];
    for (const round of rounds) {
      const started = Date.now();
      helps.start(started);
      await burst(o.slack);
      const burstMs = Date.now() - started;
      await delay(Math.max(0, started + round.seconds * 1000 - Date.now()));
      measured.push({ acks: await helps.stop(), burstMs });
    }
    return measured;
  } finally {
    helps.kill();
    bolt.kill();
  }
}

/** One round's figures, and (for BENCH_RUNBOOKS_DUMP) its runs and acks. */
interface Round extends Helps {
  started: number;
  seconds: number;
  succeeded: number;
  runAcks: number[];
  workerCpuSeconds: number;
  botCpuSeconds: number;
  redisCommandsPerStep: number;
  commands: Record<string, number>;
  runs: { status: string; finishedAt?: number; createdAt: number; state: unknown[] }[];
}

/** Jobs the outbox still holds (waiting, delayed, active), from BullMQ's keys. */
async function outboxBacklog(redis: Redis, keys: ReturnType<typeof redisKeys>): Promise<number> {
  const queue = `${keys.bullPrefix('slack-outbox')}:slack-outbox`;
  const [wait, delayed, active] = await Promise.all([
    redis.llen(`${queue}:wait`),
    redis.zcard(`${queue}:delayed`),
    redis.llen(`${queue}:active`),
  ]);
  return wait + delayed + active;
}

/** RUNS `/ops run` at once, `/ops help` meanwhile, until every run of the round has ended. */
async function runRound(
  o: {
    slack: Awaited<ReturnType<typeof createSlackServer>>;
    redis: Redis;
    keys: ReturnType<typeof redisKeys>;
    helps: Awaited<ReturnType<typeof startHelpProbe>>;
    worker: ChildProcess;
    bot: ChildProcess;
  },
  round: number,
): Promise<Round> {
  const { slack, redis, keys, helps, worker, bot } = o;
  const commandsBefore = await commandCounts(redis);
  const cpuBefore = [cpuSeconds(worker.pid), cpuSeconds(bot.pid)] as const;
  const started = Date.now();
  helps.start(started);
  // Each `/ops run`'s own ack time too, for the dump.
  const runAcks = await burst(slack);
  const burstMs = Date.now() - started;
  // Polls the open runs' index (a ZCARD) rather than reading and parsing every run each time: this process also
  // answers the worker's Slack calls, and its own load must not show in the figures. `/ops run` acks before its run
  // exists (a start job records it): done once every run of the round exists and none is open. Run ids follow on.
  const open = keys.capability('runbooks', 'open');
  const ids = Array.from({ length: RUNS }, (_, i) => keys.capability('runbooks', 'run', String(round * RUNS + i + 1)));
  let polls = 0;
  let existsPolls = 0;
  await waitFor('runbooks', async () => {
    polls++;
    if ((await redis.zcard(open)) !== 0) return undefined;
    existsPolls++;
    return (await redis.exists(...ids)) === RUNS ? true : undefined;
  });
  const runs = (await redis.mget(ids)).map((raw) => (JSON.parse(raw!) as { run: Round['runs'][number] }).run);
  const [workerCpu, botCpu] = [cpuSeconds(worker.pid) - cpuBefore[0], cpuSeconds(bot.pid) - cpuBefore[1]];
  const commandsAfter = await commandCounts(redis);
  const acks = await helps.stop();
  // This bench's own commands (its polls, the MGET and INFO) are left out.
  const own: Record<string, number> = { zcard: polls, exists: existsPolls, mget: 1, info: 1 };
  const commands = [...commandsAfter]
    .map(([name, calls]) => [name, calls - (commandsBefore.get(name) ?? 0) - (own[name] ?? 0)] as const)
    .filter(([, calls]) => calls > 0);
  const last = Math.max(...runs.map((run) => run.finishedAt ?? Number.NaN));
  return {
    started,
    seconds: (last - started) / 1000,
    succeeded: runs.filter((run) => run.status === 'succeeded').length,
    acks,
    burstMs,
    runAcks,
    workerCpuSeconds: workerCpu,
    botCpuSeconds: botCpu,
    redisCommandsPerStep: commands.reduce((sum, [, calls]) => sum + calls, 0) / (RUNS * 3),
    commands: Object.fromEntries(commands),
    runs,
  };
}

export function renderRunbooks(f: RunbookFigures): string {
  const rounds = (seconds: number[]) => seconds.map((one) => one.toFixed(2)).join(' / ');
  return [
    '## Runbooks started at once',
    '',
    `${f.runs} runs of a 3-step runbook (\`true\`, an HTTP call answered in ${TARGET_MS} ms, \`true\`), one service and channel`,
    `each, started by concurrent \`/ops run\` commands; a bot and a worker process (WORKER_CONCURRENCY=${f.concurrency}),`,
    `Slack's limits on; ${f.roundSeconds.length} rounds one after another, the median round shown. Bare loop: the same runs of the`,
    'same steps in a plain node loop, as many at a time, nothing recorded (bench/targets/bare-runbooks.mjs), as many',
    `rounds. Ideal: ceil(runs / concurrency) × (${TARGET_MS} ms + 2 × one \`true\`, ${f.trueMs.toFixed(1)} ms here alone, spawn to exit).`,
    '`/ops help` sent every 20 ms meanwhile, from a process of its own (bench/targets/help-probe.mjs). Its yardstick: the',
    "same burst and probe against a Bolt app that only acks, answering Opsdeck's help (bench/targets/bare-bolt.mjs).",
    '',
    '| runs | concurrency | last step s | bare loop s | vs bare loop | ideal s | vs ideal | bare loop vs ideal | succeeded | worker CPU s | bot CPU s | Redis commands / step |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    `| ${f.runs} | ${f.concurrency} | ${f.seconds.toFixed(2)} | ${f.bareSeconds.toFixed(2)} | ${(f.seconds / f.bareSeconds).toFixed(2)}× | ${f.idealSeconds.toFixed(2)} | ${(f.seconds / f.idealSeconds).toFixed(2)}× | ${(f.bareSeconds / f.idealSeconds).toFixed(2)}× | ${f.succeeded} | ${f.workerCpuSeconds.toFixed(2)} | ${f.botCpuSeconds.toFixed(2)} | ${f.redisCommandsPerStep.toFixed(1)} |`,
    '',
    '| `/ops help` acks | helps | p99 ms (target < 25) | p99 ms, sent during the burst | p99 ms, sent after it | burst of `/ops run` acked in ms |',
    '|---|---|---|---|---|---|',
    `| Opsdeck | ${f.acks} | ${f.ackP99Ms} | ${f.ackDuringBurstP99Ms} | ${f.ackAfterBurstP99Ms} | ${f.burstAckMs} |`,
    `| bare Bolt, the same burst | | ${f.boltAckP99Ms} | | | ${f.boltBurstAckMs} |`,
    '',
    `Rounds, s: Opsdeck ${rounds(f.roundSeconds)}; bare loop ${rounds(f.bareRoundSeconds)}.`,
    'Target (issue #19): at most 1.2× (checked against the bare loop: see bench/results.md); ack p99 < 25 ms.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchRunbooks, renderRunbooks, runbookRatios);
