import { renderArgv } from '../config/argv.js';
import { runProcess } from '../platform/process-runner.js';
import { cut } from '../platform/text.js';
import type { CommandCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';

/** How much of the command's output (stdout and stderr interleaved) is kept. */
export const OUTPUT_TAIL_CHARS = 2000;

/**
 * Runs the argv through the platform's process runner (no shell, a minimal environment plus the check's `env:`).
 * Exit code 0 passes. `signal` carries the check's timeout: the whole process group is killed at once, since a health
 * check has nothing to clean up.
 */
export async function runCommandCheck(
  check: CommandCheck,
  signal: AbortSignal,
  service?: string,
): Promise<CheckResult> {
  const argv = renderArgv(check.command, service === undefined ? {} : { service });
  const result = await runProcess({
    argv,
    env: check.env,
    // run-check's signal fires at the check's timeout; this one only backs it up.
    timeoutMs: check.timeout,
    signal,
    killGraceMs: 0,
    tailChars: OUTPUT_TAIL_CHARS,
  });
  if (result.outcome === 'failed-to-start') throw new Error(`${argv[0]}: not found`);
  const lastLine = result.tail.trimEnd().split('\n').pop() ?? '';
  const outcome = result.exitCode !== null ? `exit ${result.exitCode}` : `killed (${result.exitSignal})`;
  return {
    ok: result.ok,
    summary: `${outcome} in ${result.durationMs} ms${lastLine ? `: ${cut(lastLine, 200)}` : ''}`,
    latencyMs: result.durationMs,
    detail: { type: 'command', exitCode: result.exitCode, signal: result.exitSignal, outputTail: result.tail },
  };
}
