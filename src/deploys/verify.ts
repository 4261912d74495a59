import type { Check } from '../checks/check-kinds.js';

export interface VerifyResult {
  /** True when no check failed. */
  ok: boolean;
  /** One line per check: `http: 200 ✓`, `db: tcp checks are not run by deploy verification yet`. */
  lines: string[];
}

/**
 * Runs a deploy's `verify` checks once. Only `http` checks run here (a GET, passing on `expect.status` or any 2xx,
 * within the check's timeout): this is a minimal runner until the status-checks capability's runner lands and this
 * calls it instead. Other kinds are listed as not run, and do not fail the deploy.
 */
export async function runVerify(
  checks: ReadonlyArray<{ name: string; check: Check | undefined }>,
): Promise<VerifyResult> {
  const lines: string[] = [];
  let ok = true;
  for (const { name, check } of checks) {
    if (!check) {
      ok = false;
      lines.push(`${name}: no such check`);
    } else if (check.type !== 'http') {
      lines.push(`${name}: ${check.type} checks are not run by deploy verification yet`);
    } else {
      const result = await httpCheck(check.url, check.expect?.status, check.timeout);
      ok &&= result.ok;
      lines.push(`${name}: ${result.detail}`);
    }
  }
  return { ok, lines };
}

async function httpCheck(url: string, status: number | undefined, timeoutMs: number) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await response.body?.cancel();
    const ok = status === undefined ? response.status >= 200 && response.status < 300 : response.status === status;
    return { ok, detail: `HTTP ${response.status}${ok ? ' ✓' : ` (expected ${status ?? '2xx'})`}` };
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? 'timed out' : 'no answer';
    return { ok: false, detail: `${reason} from ${url}` };
  }
}
