import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { HttpCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';
import { certificateProblem, daysLeft, jsonValueAt, showJson } from './http-rules.js';

/** Bodies are read up to this much; a health endpoint that answers more is not read further. */
const BODY_LIMIT = 1 << 20;

interface Answer {
  status: number;
  body: string;
  /** https: when the server's certificate expires (ms since the epoch). */
  certValidTo?: number;
}

/**
 * Requests the URL and compares status, body and (https) certificate with `expect`. Node's own client rather than
 * fetch: only it shows the peer's certificate. Redirects are not followed (a 3xx is an answer like any other).
 */
export async function runHttpCheck(check: HttpCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const ca = check.caFile === undefined ? undefined : await readCa(check.caFile);
  let answer: Answer;
  try {
    answer = await send(check, ca, signal);
  } catch (error) {
    const problem = certificateProblem((error as NodeJS.ErrnoException).code);
    // The server answered with a certificate we refuse: a result to fix, not an unreachable target.
    if (problem) {
      const latencyMs = Math.round(performance.now() - started);
      return { ok: false, summary: `TLS: ${problem}`, latencyMs, detail: { type: 'http' } };
    }
    throw new Error(describeFetchError(error));
  }
  const latencyMs = Math.round(performance.now() - started);
  const { status, body } = answer;
  const certDaysLeft = answer.certValidTo === undefined ? undefined : daysLeft(answer.certValidTo, Date.now());
  const detail = { type: 'http' as const, status, certDaysLeft };
  const fail = (why: string) => ({ ok: false, summary: `${status}, ${why}`, latencyMs, detail });
  const expect = check.expect ?? {};
  const statusOk = expect.status !== undefined ? status === expect.status : status >= 200 && status < 300;
  if (!statusOk) {
    const wanted = expect.status !== undefined ? `expected ${expect.status}` : 'expected 2xx';
    return { ok: false, summary: `${status} (${wanted}) in ${latencyMs} ms`, latencyMs, detail };
  }
  if (expect.bodyContains !== undefined && !body.includes(expect.bodyContains)) {
    return fail(`body lacks "${expect.bodyContains}"`);
  }
  if (expect.bodyMatches !== undefined && !new RegExp(expect.bodyMatches).test(body)) {
    return fail(`body does not match /${expect.bodyMatches}/`);
  }
  if (expect.json !== undefined) {
    const { path, equals } = expect.json;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return fail(`body is not JSON (expected ${path})`);
    }
    const found = jsonValueAt(parsed, path);
    if (!found.present) return fail(`${path} is missing`);
    if (equals !== undefined && found.value !== equals) {
      return fail(`${path} is ${showJson(found.value)} (expected ${showJson(equals)})`);
    }
  }
  let certificate = '';
  if (expect.certDaysLeft !== undefined && certDaysLeft !== undefined) {
    if (certDaysLeft < expect.certDaysLeft) {
      return fail(`certificate expires in ${certDaysLeft} days (expected at least ${expect.certDaysLeft})`);
    }
    certificate = `, certificate valid ${certDaysLeft} more days`;
  }
  return { ok: true, summary: `${status} in ${latencyMs} ms${certificate}`, latencyMs, detail };
}

async function readCa(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`caFile ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/**
 * Idle keep-alive connections are closed after this long: shorter than common servers' own idle timeout (Node's 5 s,
 * nginx's 75 s), so a check rarely reuses a connection the server is closing at that moment.
 */
const IDLE_MS = 4000;

/**
 * One keep-alive agent per plain-HTTP target (`host:port`): a status fan-out of hundreds of checks against a few
 * targets reuses connections instead of opening and closing one per check. The targets come from ops.yml, so the map
 * is bounded by it.
 */
const agents = new Map<string, HttpAgent>();

function agentFor(url: URL): HttpAgent {
  let agent = agents.get(url.host);
  if (!agent) {
    agent = new HttpAgent({ keepAlive: true, timeout: IDLE_MS, scheduling: 'lifo' });
    agents.set(url.host, agent);
  }
  return agent;
}

/**
 * One request. HTTPS gets a connection of its own (no keep-alive): the certificate is read from the connection, and a
 * reused one would keep showing the certificate of its handshake after the server's was renewed. Plain HTTP reuses
 * its target's connections; a reused connection the server closed meanwhile is retried once on a new one, so a
 * keep-alive race never reads as the target being down.
 */
function send(check: HttpCheck, ca: string | undefined, signal: AbortSignal, fresh = false): Promise<Answer> {
  const url = new URL(check.url);
  const https = url.protocol === 'https:';
  const options = {
    method: check.method ?? 'GET',
    headers: check.headers,
    signal,
    agent: https || fresh ? (false as const) : agentFor(url),
    ...(https ? { rejectUnauthorized: !check.insecure, ca } : {}),
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) => {
      const certValidTo = https ? validTo(response.socket as TLSSocket) : undefined;
      readLimited(response).then((body) => resolve({ status: response.statusCode ?? 0, body, certValidTo }), reject);
    };
    const req = https ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
    req.once('error', (error: NodeJS.ErrnoException) => {
      if (req.reusedSocket && error.code === 'ECONNRESET' && !signal.aborted) {
        send(check, ca, signal, true).then(resolve, reject);
      } else reject(error);
    });
    req.end();
  });
}

function validTo(socket: TLSSocket): number | undefined {
  const raw = socket.getPeerCertificate?.()?.valid_to;
  const at = raw ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

function readLimited(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= BODY_LIMIT) {
        response.destroy();
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
  });
}

/** Node and undici (fetch, which hides it in `cause`) name the reason: ECONNREFUSED, ENOTFOUND, a TLS error. */
export function describeFetchError(error: unknown): string {
  const failure = error as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const cause = typeof failure?.cause?.code === 'string' ? failure.cause : failure;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  if (cause?.code === 'ENOTFOUND') return 'host not found';
  if (cause?.code === 'ECONNRESET') return 'connection reset';
  if (typeof cause?.code === 'string' && cause.code !== 'ABORT_ERR')
    return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
