import type { HttpCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';

/** Bodies are read up to this much; a health endpoint that answers more is not read further. */
const BODY_LIMIT = 1 << 20;

/** Requests the URL and compares status and body with `expect`. */
export async function runHttpCheck(check: HttpCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const response = await fetch(check.url, {
    method: check.method ?? 'GET',
    headers: check.headers,
    signal,
    redirect: 'manual',
  }).catch((error: unknown) => {
    throw new Error(describeFetchError(error));
  });
  const body = await readLimited(response);
  const latencyMs = Math.round(performance.now() - started);
  const status = response.status;
  const expect = check.expect ?? {};
  const detail = { type: 'http' as const, status };
  const statusOk = expect.status !== undefined ? status === expect.status : status >= 200 && status < 300;
  if (!statusOk) {
    const wanted = expect.status !== undefined ? `expected ${expect.status}` : 'expected 2xx';
    return { ok: false, summary: `${status} (${wanted}) in ${latencyMs} ms`, latencyMs, detail };
  }
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return { ok: false, summary: `${status}, body lacks "${expect.bodyContains}"`, latencyMs, detail };
  }
  if (expect.bodyMatches !== undefined && !new RegExp(expect.bodyMatches).test(body)) {
    return { ok: false, summary: `${status}, body does not match /${expect.bodyMatches}/`, latencyMs, detail };
  }
  return { ok: true, summary: `${status} in ${latencyMs} ms`, latencyMs, detail };
}

async function readLimited(response: Response): Promise<string> {
  if (!response.body) return '';
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of response.body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.length >= BODY_LIMIT) {
      await response.body.cancel().catch(() => {});
      break;
    }
  }
  return text;
}

/** Undici hides the reason (ECONNREFUSED, ENOTFOUND, a TLS error) in `cause`. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
