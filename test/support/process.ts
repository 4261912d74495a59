import { type ChildProcess, spawn } from 'node:child_process';
import { redisUrl } from './redis.js';
import { repoRoot } from './repo.js';

export interface OpsdeckProcess {
  child: ChildProcess;
  /** Everything the process wrote so far (pino JSON lines on stdout, startup problems on stderr). */
  output(): string;
  /** Resolves with the first log line (parsed) matching the predicate. */
  waitForLog(predicate: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The entry points: production (`node dist/main.js`, the image) and the one `npm start` runs in a checkout. */
export const ENTRY_POINTS = { production: 'src/main.ts', local: 'src/workspace/local/main.ts' } as const;

export interface SpawnOptions {
  /** Which entry point runs (production by default). */
  entry?: keyof typeof ENTRY_POINTS;
  /** Leader of its own process group, so that a test can signal the group as a terminal's Ctrl+C does. */
  detached?: boolean;
  /** Arguments after the entry point (`npm start -- --fresh`). */
  args?: string[];
}

/** Runs an entry point as its own process, with the environment given (and no other). */
export function spawnOpsdeck(env: Record<string, string>, options: SpawnOptions = {}): OpsdeckProcess {
  const entry = ENTRY_POINTS[options.entry ?? 'production'];
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...(options.args ?? [])], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  let pending = '';
  const waiters: Array<{
    predicate: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
  }> = [];
  const seen: Array<Record<string, unknown>> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text);
      } catch {
        continue;
      }
      seen.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  // stdio pipes are socket pairs: a child killed with SIGKILL can leave a read ending in ECONNRESET, which, with no
  // listener, would surface as an unhandled error in the test. The exit is what tests wait on.
  for (const stream of [child.stdout!, child.stderr!]) stream.on('error', () => {});
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => output,
    exited,
    waitForLog(predicate) {
      const found = seen.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ predicate, resolve });
        void exited.then(({ code, signal }) =>
          reject(new Error(`opsdeck exited (${code ?? signal}) before the awaited log line:\n${output}`)),
        );
      });
    },
  };
}

/** `npm start`'s environment in a test: no Slack variable, the suite's Redis under `prefix`, every port free. */
export function localModeEnv(prefix: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl(),
    REDIS_PREFIX: prefix,
    PORT: '0',
    WORKSPACE_PORT: '0',
    DEMO_SERVICE_PORT: '0',
    LOG_LEVEL: 'info',
  };
}

/**
 * Worker processes (ROLE=worker) beside a bot harness, with a short job lock so that a killed worker's job is taken
 * over within seconds; resolves once each has started.
 */
export async function spawnWorkers(
  env: Record<string, string>,
  ids: readonly string[],
  opsYmlPath: string,
): Promise<OpsdeckProcess[]> {
  const workers = ids.map((id) =>
    spawnOpsdeck({
      ...env,
      ROLE: 'worker',
      WORKER_ID: id,
      JOB_LOCK_MS: '3000',
      LOG_LEVEL: 'info',
      OPS_CONFIG: opsYmlPath,
    }),
  );
  await Promise.all(workers.map((w) => w.waitForLog((line) => line.msg === 'opsdeck started')));
  return workers;
}

/** SIGKILLs the worker whose id BullMQ recorded as processing `job`, and waits until it is gone. */
export async function killWorkerOf(workers: readonly OpsdeckProcess[], job: { processedBy?: string }): Promise<void> {
  const victim = workers.find((w) => w.output().includes(`"workerId":"${job.processedBy}"`));
  if (!victim) throw new Error(`no worker ${job.processedBy} among the spawned ones`);
  victim.child.kill('SIGKILL');
  const exited = await victim.exited;
  if (exited.signal !== 'SIGKILL') throw new Error(`worker ${job.processedBy} exited by itself (${exited.signal})`);
}

/** Kills whatever workers are still running, and waits for all of them. */
export async function stopWorkers(workers: readonly OpsdeckProcess[]): Promise<void> {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
}
