import { spawn } from 'node:child_process';
import { renderArgv } from '../config/argv.js';
import { cut } from '../platform/text.js';
import type { CommandCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';

/** How much of the command's output (stdout and stderr interleaved) is kept. */
export const OUTPUT_TAIL_CHARS = 2000;

/**
 * Runs the argv as a child process, never through a shell, with a minimal environment plus the check's `env:`.
 * Exit code 0 passes. On the timeout the whole process group is killed, so a script's children do not linger.
 */
export function runCommandCheck(check: CommandCheck, signal: AbortSignal, service?: string): Promise<CheckResult> {
  const argv = renderArgv(check.command, service === undefined ? {} : { service });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...check.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    if (signal.aborted) kill();
    signal.addEventListener('abort', kill, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', kill);
      reject(new Error(error.code === 'ENOENT' ? `${argv[0]}: not found` : error.message));
    });
    child.once('close', (exitCode, exitSignal) => {
      signal.removeEventListener('abort', kill);
      const latencyMs = Math.round(performance.now() - started);
      const ok = exitCode === 0;
      const lastLine = output.trimEnd().split('\n').pop() ?? '';
      const outcome = exitCode !== null ? `exit ${exitCode}` : `killed (${exitSignal})`;
      resolve({
        ok,
        summary: `${outcome} in ${latencyMs} ms${lastLine ? `: ${cut(lastLine, 200)}` : ''}`,
        latencyMs,
        detail: { type: 'command', exitCode, signal: exitSignal, outputTail: output },
      });
    });
  });
}
