/**
 * Workspace persistence benchmark (issue #20): the local workspace's hot path, chat.postMessage (as an alert storm
 * posts and edits thousands of messages through it), in memory as tests run it and persisted to Redis as local mode
 * runs it, in the same run. Every round posts MESSAGES messages over HTTP from CONCURRENCY senders: a third of them
 * replies in one thread (each rewrites the parent's reply count) and a third followed by a chat.update. Also reports
 * how long the journal takes to drain after the last answer and how long the next start takes to read it all back.
 * Run by `npm run bench`, or alone: `tsx bench/workspace.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { createSlackServer } from '../src/workspace/server.js';
import { openWorkspaceStore, type WorkspaceStore, wipePrefix } from '../src/workspace/store.js';
import { workspaceRatios } from './guard.js';
import { runWhenMain } from './standalone.js';

const MESSAGES = Number(process.env.BENCH_WORKSPACE_MESSAGES ?? 3000);
const CONCURRENCY = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CHANNEL = 'C0STORM';

export interface WorkspaceRow {
  mode: 'in memory' | 'persisted';
  /** Median over the rounds. */
  messagesPerSecond: number;
  /** This process's CPU time per message (the workspace and its senders; Redis runs apart), median over the rounds. */
  cpuMicrosPerMessage: number;
  /** From the last answer until every change is in Redis (persisted only). */
  drainMs?: number;
  /** Reading the stored workspace back at the next start (persisted only). */
  restoreMs?: number;
}

export interface WorkspaceFigures {
  messages: number;
  rounds: number;
  rows: WorkspaceRow[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function round(redisUrl: string, persisted: boolean) {
  const root = `bench-ws-${randomBytes(4).toString('hex')}`;
  const store: WorkspaceStore | undefined = persisted
    ? await openWorkspaceStore({ client: new Redis(redisUrl), root: `${root}:workspace` })
    : undefined;
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const slack = await createSlackServer({
    botToken,
    signingSecret: 'bench',
    rateLimits: false,
    channels: [{ id: CHANNEL, name: 'storm' }],
    ...(store ? { persistence: { journal: store.journal } } : {}),
  });
  const call = async (method: string, params: Record<string, string>) => {
    const res = await fetch(`${slack.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params).toString(),
    });
    const body = (await res.json()) as { ok: boolean; ts?: string; error?: string };
    if (!body.ok) throw new Error(`${method}: ${body.error}`);
    return body;
  };
  const blocks = JSON.stringify([{ type: 'section', text: { type: 'mrkdwn', text: '*ApiDown* firing on api-1' } }]);
  const parent = await call('chat.postMessage', { channel: CHANNEL, text: 'storm', blocks });
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = next++; n < MESSAGES; n = next++) {
        const text = `alert ${n}: ApiDown firing on api-${n % 50}`;
        if (n % 3 === 0) {
          await call('chat.postMessage', { channel: CHANNEL, text, blocks, thread_ts: parent.ts as string });
        } else {
          const posted = await call('chat.postMessage', { channel: CHANNEL, text, blocks });
          if (n % 3 === 1)
            await call('chat.update', { channel: CHANNEL, ts: posted.ts as string, text: `${text} (2)` });
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  let drainMs: number | undefined;
  let restoreMs: number | undefined;
  if (store) {
    const drainStart = performance.now();
    await store.flush();
    drainMs = performance.now() - drainStart;
    await slack.close();
    await store.close();
    const restoreStart = performance.now();
    const again = await openWorkspaceStore({ client: new Redis(redisUrl), root: `${root}:workspace` });
    restoreMs = performance.now() - restoreStart;
    if ((again.stored?.messages.length ?? 0) !== MESSAGES + 1) {
      throw new Error(`restored ${again.stored?.messages.length} messages, posted ${MESSAGES + 1}`);
    }
    await again.close();
    const redis = new Redis(redisUrl);
    await wipePrefix(redis, root);
    await redis.quit();
  } else {
    await slack.close();
  }
  return { messagesPerSecond: MESSAGES / seconds, cpuMicrosPerMessage: (user + system) / MESSAGES, drainMs, restoreMs };
}

export async function benchWorkspace(redisUrl: string): Promise<WorkspaceFigures> {
  // Fail early, before timing anything, when Redis is not there.
  const probe = new Redis(redisUrl, { lazyConnect: true });
  await probe.connect();
  await probe.quit();
  type Round = Awaited<ReturnType<typeof round>>;
  const results: { memory: Round[]; persisted: Round[] } = { memory: [], persisted: [] };
  // Alternate the modes, so a noisy moment on a shared machine falls on both.
  for (let r = 0; r < ROUNDS; r++) {
    results.memory.push(await round(redisUrl, false));
    results.persisted.push(await round(redisUrl, true));
  }
  const pick = (rows: Round[], key: keyof Round) => median(rows.map((row) => row[key] ?? 0));
  return {
    messages: MESSAGES,
    rounds: ROUNDS,
    rows: [
      {
        mode: 'in memory',
        messagesPerSecond: pick(results.memory, 'messagesPerSecond'),
        cpuMicrosPerMessage: pick(results.memory, 'cpuMicrosPerMessage'),
      },
      {
        mode: 'persisted',
        messagesPerSecond: pick(results.persisted, 'messagesPerSecond'),
        cpuMicrosPerMessage: pick(results.persisted, 'cpuMicrosPerMessage'),
        drainMs: pick(results.persisted, 'drainMs'),
        restoreMs: pick(results.persisted, 'restoreMs'),
      },
    ],
  };
}

export function renderWorkspace(f: WorkspaceFigures): string {
  const lines = f.rows.map(
    (r) =>
      `| ${r.mode} | ${Math.round(r.messagesPerSecond)} | ${Math.round(r.cpuMicrosPerMessage)} | ${r.drainMs === undefined ? '—' : r.drainMs.toFixed(1)} | ${r.restoreMs === undefined ? '—' : Math.round(r.restoreMs)} |`,
  );
  return [
    '## Local workspace persistence',
    '',
    `${f.messages} messages per round (a third thread replies, a third edited), ${CONCURRENCY} senders, median of ${f.rounds} rounds.`,
    '',
    '| workspace | messages/s | CPU µs per message | drain after last answer (ms) | restore at next start (ms) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...lines,
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchWorkspace, renderWorkspace, workspaceRatios);
