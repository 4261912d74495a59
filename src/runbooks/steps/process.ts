import { spawn } from 'node:child_process';
import { formatDuration } from '../../config/duration.js';

/** After SIGTERM, how long a process group has to exit before SIGKILL. */
const KILL_GRACE_MS = 3000;

export interface ProcessOutcome {
  /** Exit code, or null when a signal ended it. */
  exitCode: number | null;
  /** Why it was stopped (`timed out after 5s`, `cancelled`), or a start failure; undefined when it exited by itself. */
  stopped?: string;
  stdout: string;
  stderr: string;
}

/**
 * Runs argv without a shell in its own process group, with a minimal environment plus `env`; the timeout and `signal`
 * stop the whole group (SIGTERM, then SIGKILL). Output is streamed to `onOutput` and its tail kept.
 * TODO(#17): the platform's shared process runner replaces this once it lands.
 */
export function runProcess(input: {
  argv: readonly string[];
  env: Record<string, string>;
  timeoutMs: number;
  signal: AbortSignal;
  onOutput?: (text: string) => void;
}): Promise<ProcessOutcome> {
  const [program, ...rest] = input.argv;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(program!, rest, {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...input.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stopped: string | undefined;
    let killer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const stop = (why: string) => {
      if (stopped) return;
      stopped = why;
      signalGroup('SIGTERM');
      killer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
      killer.unref();
    };
    const timer = setTimeout(() => stop(`timed out after ${formatDuration(input.timeoutMs)}`), input.timeoutMs);
    const onAbort = () => stop('cancelled');
    if (input.signal.aborted) onAbort();
    input.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout = (stdout + text).slice(-64_000);
      input.onOutput?.(text);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr = (stderr + text).slice(-64_000);
      input.onOutput?.(text);
    });
    const finish = (outcome: ProcessOutcome) => {
      clearTimeout(timer);
      clearTimeout(killer);
      input.signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish({
        exitCode: null,
        stopped: `could not start \`${program}\`: ${error.code ?? error.message}`,
        stdout,
        stderr,
      }),
    );
    child.once('close', (code) => finish({ exitCode: code, ...(stopped && { stopped }), stdout, stderr }));
  });
}
