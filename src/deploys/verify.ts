import type { Check } from '../checks/check-kinds.js';
import { runCheck } from '../checks/run-check.js';

export interface VerifyResult {
  /** True when every check passed. */
  ok: boolean;
  /** One line per check: `http: 200 in 12 ms ✓`, `db: connection refused`. */
  lines: string[];
}

/**
 * Runs a deploy's `verify` checks once, with the same runner `/ops status` uses (every check kind, each within its
 * own timeout), one after another so a slow check cannot hide a failing one's line.
 */
export async function runVerify(
  checks: ReadonlyArray<{ name: string; check: Check | undefined }>,
  service?: string,
): Promise<VerifyResult> {
  const lines: string[] = [];
  let ok = true;
  for (const { name, check } of checks) {
    if (!check) {
      ok = false;
      lines.push(`${name}: no such check`);
      continue;
    }
    const result = await runCheck(check, { service });
    ok &&= result.ok;
    lines.push(`${name}: ${result.summary}${result.ok ? ' ✓' : ''}`);
  }
  return { ok, lines };
}
