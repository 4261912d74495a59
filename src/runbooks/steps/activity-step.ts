import { runProcess } from '../../platform/process-runner.js';
import { withinTolerance } from '../experiments/tolerance.js';
import type { StepResult } from '../rules.js';
import type { ActivityProvider, StepAction } from '../run.js';
import type { StepContext } from './step-context.js';

/** How much of a probe's value is shown in the result. */
const VALUE_CHARS = 200;

type ProviderValue =
  | { status: number; stdout: string; stderr: string }
  | { status: number; headers: Record<string, string>; body: unknown };

/**
 * A Chaos Toolkit activity: its provider's value in Chaos Toolkit's shape (`{status, stdout, stderr}` for a process,
 * `{status, headers, body}` for http), checked against the tolerance when it has one. Without a tolerance an activity
 * fails only when it could not run (not found, timed out, no connection), as under `chaos run`.
 */
export async function activityStep(
  action: Extract<StepAction, { kind: 'activity' }>,
  ctx: StepContext,
): Promise<StepResult> {
  const run = await runProvider(action.provider, ctx);
  if ('cancelled' in run) return { ok: false, detail: 'cancelled', cancelled: true };
  if ('failed' in run) return { ok: false, detail: run.failed };
  const value = shown(run.value);
  if (action.tolerance !== undefined) {
    const ok = withinTolerance(action.tolerance, run.value);
    return { ok, value, detail: ok ? 'within tolerance' : `outside tolerance ${JSON.stringify(action.tolerance)}` };
  }
  const expected = action.provider.type === 'http' ? action.provider.expectedStatus : undefined;
  if (expected && !expected.includes(run.value.status))
    return { ok: false, value, detail: `HTTP ${run.value.status} (expected ${expected.join(' or ')})` };
  return { ok: true, value, detail: 'ran' };
}

function shown(value: ProviderValue): string {
  if ('stdout' in value) {
    const out = (value.stdout || value.stderr).trim().split('\n')[0] ?? '';
    return `exit ${value.status}${out ? `: ${out.slice(0, VALUE_CHARS)}` : ''}`;
  }
  const body = typeof value.body === 'string' ? value.body : JSON.stringify(value.body);
  return `HTTP ${value.status}${body ? `: ${body.slice(0, VALUE_CHARS)}` : ''}`;
}

async function runProvider(
  provider: ActivityProvider,
  ctx: StepContext,
): Promise<{ value: ProviderValue } | { failed: string } | { cancelled: true }> {
  if (provider.type === 'process') {
    const result = await runProcess({
      argv: provider.argv,
      timeoutMs: provider.timeout,
      signal: ctx.signal,
      tailChars: 16_000,
      onOutput: ({ added }) => ctx.onOutput(added),
    });
    if (result.outcome === 'cancelled') return { cancelled: true };
    if (result.outcome !== 'exited') return { failed: result.detail };
    // The runner interleaves stdout and stderr: both are the one output here.
    return { value: { status: result.exitCode ?? -1, stdout: result.tail, stderr: '' } };
  }
  const timeout = AbortSignal.timeout(provider.timeout);
  let url = provider.url;
  let body: string | undefined;
  if (provider.arguments) {
    const form = new URLSearchParams(
      Object.entries(provider.arguments).map(([k, v]): [string, string] => [k, String(v)]),
    );
    if (provider.method === 'GET') url += `${url.includes('?') ? '&' : '?'}${form}`;
    else body = form.toString();
  }
  try {
    const response = await fetch(url, {
      method: provider.method,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
        ...provider.headers,
      },
      ...(body !== undefined && { body }),
      signal: AbortSignal.any([timeout, ctx.signal]),
    });
    const text = await response.text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    let parsed: unknown = text;
    if (json) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // Kept as text.
      }
    }
    return { value: { status: response.status, headers: Object.fromEntries(response.headers), body: parsed } };
  } catch (error) {
    if (ctx.signal.aborted) return { cancelled: true };
    if (timeout.aborted) return { failed: 'activity took too long to complete' };
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { failed: `failed to connect${cause ? ` (${cause})` : ''}` };
  }
}
