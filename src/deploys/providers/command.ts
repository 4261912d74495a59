import { renderArgv } from '../../config/argv.js';
import { runProcess } from '../../platform/process-runner.js';
import type { CommandDeploy } from '../config.js';
import type { DeployProviderRunner, ProviderResult, ProviderRun } from './provider.js';

/** After SIGTERM, how long a command has to exit before SIGKILL. */
export const KILL_GRACE_MS = 5000;

/**
 * `provider: command`: runs the argv (no shell) with {service} {version} {environment} {user} substituted, each in its
 * own argument, and the `env:` map on top of a minimal base environment (PATH, HOME), through the platform's process
 * runner. Exit code 0 is success; the timeout and Cancel send SIGTERM to its process group, then SIGKILL after
 * KILL_GRACE_MS.
 */
export function commandProvider(config: CommandDeploy, options: { cwd?: string } = {}): DeployProviderRunner {
  return {
    run: (run) => runCommand(config, run, options.cwd ?? process.cwd()),
  };
}

async function runCommand(config: CommandDeploy, run: ProviderRun, cwd: string): Promise<ProviderResult> {
  const { service, version, environment, user } = run.target;
  const result = await runProcess({
    argv: renderArgv(config.command, { service, version, environment, user }),
    env: config.env,
    cwd,
    timeoutMs: config.timeout,
    signal: run.signal,
    killGraceMs: KILL_GRACE_MS,
    onOutput: ({ added }) => run.onOutput(added),
  });
  return { ok: result.ok, detail: result.detail };
}
