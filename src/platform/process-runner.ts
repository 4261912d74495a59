import { formatDuration } from '../config/duration.js';
import { spawnProgram } from './spawner.js';

/** Readies the runner for programs known to come soon (see `warmSpawner`). */
export { warmSpawner as expectPrograms } from './spawner.js';

/** What to run, and how long it may take. */
export interface ProcessSpec {
  /** The program and its arguments, already rendered; never a shell string. `argv[0]` is found on PATH. */
  argv: readonly string[];
  /** ops.yml's `env:`, on top of a minimal base (PATH and HOME of Opsdeck's own environment): nothing else leaks in. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** After this long the process group is stopped and the result is `timed-out`. */
  timeoutMs: number;
  /** Cancel: aborting stops the process group and the result is `cancelled`. */
  signal?: AbortSignal;
  /**
   * Stopping sends SIGTERM to the group, then SIGKILL after this long if anything is left (default 5 s). 0: SIGKILL
   * at once (a health check has nothing to clean up).
   */
  killGraceMs?: number;
  /** How much of the output (stdout and stderr interleaved) is kept; default 2,000 characters. */
  tailChars?: number;
  /**
   * The output so far, at most once per `outputEveryMs` (default one second) while output arrives, and a last time
   * when the process ends if anything arrived since. `tail` is the last `tailChars`; `added` what arrived since the
   * previous call (itself at most `tailChars`), for callers that append.
   */
  onOutput?(update: { tail: string; added: string }): void;
  outputEveryMs?: number;
}

/** How a run ended. Never a rejection: a program that cannot start is a result too. */
export interface ProcessResult {
  outcome: 'exited' | 'timed-out' | 'cancelled' | 'failed-to-start';
  /** The exit code when the program exited by itself; null when a signal ended it or it never started. */
  exitCode: number | null;
  /** The signal that ended it, if one did. */
  exitSignal: NodeJS.Signals | null;
  /** True only for `exited` with code 0. */
  ok: boolean;
  /** The last `tailChars` of the output. */
  tail: string;
  durationMs: number;
  /** One line for people: `exit code 0`, `exit code 3`, `timed out after 30s`, `cancelled`, `could not start ./x (ENOENT)`. */
  detail: string;
}

export const DEFAULT_KILL_GRACE_MS = 5000;
export const DEFAULT_TAIL_CHARS = 2000;

/**
 * The one way Opsdeck runs a program (command checks, the command deploy provider, runbook steps). The child runs in a
 * process group of its own, so stopping it on the timeout or on Cancel stops whatever it started too, and a worker
 * never waits on a grandchild that kept the pipes open. It is started by a small helper process (see spawner.ts).
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const tailChars = spec.tailChars ?? DEFAULT_TAIL_CHARS;
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawnProgram({
      argv: spec.argv,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...spec.env },
      cwd: spec.cwd,
    });
    const output = outputStream(tailChars, spec.outputEveryMs ?? 1000, spec.onOutput);
    child.on('output', output.add);

    let stoppedAs: 'timed-out' | 'cancelled' | undefined;
    let killer: NodeJS.Timeout | undefined;
    // The last signal sent: one sent before the program started goes out again once it has.
    let sent: NodeJS.Signals | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      sent = signal;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    child.once('spawn', () => {
      if (sent) signalGroup(sent);
    });
    const stop = (why: 'timed-out' | 'cancelled') => {
      if (stoppedAs) return;
      stoppedAs = why;
      const grace = spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
      if (grace <= 0) return signalGroup('SIGKILL');
      signalGroup('SIGTERM');
      killer = setTimeout(() => signalGroup('SIGKILL'), grace);
      killer.unref();
    };
    const timer = setTimeout(() => stop('timed-out'), spec.timeoutMs);
    const onAbort = () => stop('cancelled');
    if (spec.signal?.aborted) onAbort();
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    let settled = false;
    const finish = (result: Omit<ProcessResult, 'tail' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve({ ...result, tail: output.end(), durationMs: Math.round(performance.now() - started) });
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        outcome: 'failed-to-start',
        exitCode: null,
        exitSignal: null,
        ok: false,
        detail: `could not start ${spec.argv[0]} (${error.code ?? error.message})`,
      }),
    );
    child.once('close', (exitCode, exitSignal) => {
      // Stopped: whatever of the group outlived SIGTERM (the leader exited, a child ignored it) goes now.
      if (stoppedAs) signalGroup('SIGKILL');
      const outcome = stoppedAs ?? 'exited';
      const detail =
        outcome === 'timed-out'
          ? `timed out after ${formatDuration(spec.timeoutMs)}`
          : outcome === 'cancelled'
            ? 'cancelled'
            : exitCode === null
              ? `killed by ${exitSignal}`
              : `exit code ${exitCode}`;
      finish({ outcome, exitCode, exitSignal, ok: outcome === 'exited' && exitCode === 0, detail });
    });
  });
}

/** Keeps the output's tail and hands it on at most once per `everyMs`, plus once at the end. */
function outputStream(tailChars: number, everyMs: number, onOutput: ProcessSpec['onOutput']) {
  let tail = '';
  let added = '';
  let lastAt = Number.NEGATIVE_INFINITY;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (!added) return;
    lastAt = performance.now();
    const update = { tail, added };
    added = '';
    onOutput?.(update);
  };
  return {
    add(chunk: Buffer) {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-tailChars);
      added = (added + text).slice(-tailChars);
      if (!onOutput || timer) return;
      timer = setTimeout(flush, Math.max(0, lastAt + everyMs - performance.now()));
    },
    end(): string {
      clearTimeout(timer);
      flush();
      return tail;
    },
  };
}
