import { spawn } from 'node:child_process';
import { renderArgv } from '../../config/argv.js';
import { formatDuration } from '../../config/duration.js';
import type { CommandDeploy } from '../config.js';
import type { DeployProviderRunner, ProviderResult, ProviderRun } from './provider.js';

/** After SIGTERM, how long a command has to exit before SIGKILL. */
export const KILL_GRACE_MS = 5000;

/**
 * `provider: command`: runs the argv (no shell) with {service} {version} {environment} {user} substituted, each in its
 * own argument, and the `env:` map on top of a minimal base environment (PATH, HOME). Exit code 0 is success; the
 * timeout and Cancel send SIGTERM, then SIGKILL after KILL_GRACE_MS.
 */
export function commandProvider(config: CommandDeploy, options: { cwd?: string } = {}): DeployProviderRunner {
  return {
    run: (run) => runCommand(config, run, options.cwd ?? process.cwd()),
  };
}

function runCommand(config: CommandDeploy, run: ProviderRun, cwd: string): Promise<ProviderResult> {
  const { service, version, environment, user } = run.target;
  const argv = renderArgv(config.command, { service, version, environment, user });
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...config.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so that stopping it stops what it started too.
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
    const timer = setTimeout(() => stop(`timed out after ${formatDuration(config.timeout)}`), config.timeout);
    const onAbort = () => stop('cancelled');
    if (run.signal.aborted) onAbort();
    run.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout!.on('data', (chunk: Buffer) => run.onOutput(chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => run.onOutput(chunk.toString('utf8')));
    const finish = (result: ProviderResult) => {
      clearTimeout(timer);
      clearTimeout(killer);
      run.signal.removeEventListener('abort', onAbort);
      resolve(result);
    };
    child.once('error', (error: NodeJS.ErrnoException) =>
      finish({ ok: false, detail: `could not start \`${argv[0]}\`: ${error.code ?? error.message}` }),
    );
    child.once('close', (code, signal) => {
      if (stopped) finish({ ok: false, detail: stopped });
      else if (code === 0) finish({ ok: true, detail: 'exit code 0' });
      else finish({ ok: false, detail: code === null ? `killed by ${signal}` : `exit code ${code}` });
    });
  });
}
