import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { referenceId } from '../errors.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { RegisteredRoute, Registry } from '../platform/registry.js';
import type { RouteRequest, RouteResponse } from '../platform/routes.js';
import { wellFormed } from '../platform/text.js';
import { BodyTooLarge, readBody } from './body.js';

/** Alertmanager batches whole alert groups; 1 MiB is far above any real notification and bounds memory per request. */
export const MAX_ROUTE_BODY = 1024 * 1024;

export interface RoutesEndpointOptions {
  registry: Registry;
  /** WEBHOOK_TOKEN: guards routes declared with `auth: 'webhook'`; absent, those answer 404. */
  webhookToken: string | undefined;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Every route capabilities declare, behind one handler: match (404, 405 with Allow), auth (401), a JSON content type
 * (415), body cap (413), JSON (400), schema (422 naming the field), then the capability's `handle`. Auth comes before the body is read, so an
 * unauthenticated caller costs no more than its headers. A handler that throws gets a 500 with a reference, logged
 * with the error; the caller never sees the error itself.
 */
export function routesEndpoint(options: RoutesEndpointOptions) {
  const log = options.logger.child({ module: 'http.routes' });
  return async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const started = process.hrtime.bigint();
    const method = req.method ?? 'GET';
    const match = options.registry.matchRoute(method, path);
    const label = match.kind === 'route' ? match.entry.route.path : 'unmatched';
    res.once('finish', () => {
      options.metrics.httpRequests.inc({ route: label, method, status: String(res.statusCode) });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      options.metrics.httpDuration.observe({ route: label, method }, seconds);
    });
    if (match.kind === 'not-found') return send(res, { status: 404, body: { error: 'not_found' } });
    if (match.kind === 'method-not-allowed') {
      return send(res, {
        status: 405,
        headers: { allow: match.allowed.join(', ') },
        body: { error: 'method_not_allowed' },
      });
    }
    const { entry, params } = match;
    try {
      const answer = await answerRoute(req, entry, params, options.webhookToken);
      send(res, answer);
    } catch (error) {
      const reference = referenceId();
      log.error({ reference, route: entry.route.path, capability: entry.capability.name, err: error }, 'route failed');
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal_error', reference } });
      else res.end();
    }
  };
}

async function answerRoute(
  req: IncomingMessage,
  entry: RegisteredRoute,
  params: Record<string, string>,
  webhookToken: string | undefined,
): Promise<RouteResponse> {
  const { route } = entry;
  const auth = authorize(route.auth, req.headers.authorization, webhookToken);
  if (auth === 'disabled') {
    return { status: 404, body: { error: 'webhooks_disabled', message: 'Set WEBHOOK_TOKEN to enable /webhooks/*' } };
  }
  if (auth === 'refused') return { status: 401, headers: { 'www-authenticate': 'Bearer' } };
  let body: unknown;
  if (route.body) {
    if (!isJsonType(req.headers['content-type'])) {
      return { status: 415, body: { error: 'unsupported_media_type', expected: 'application/json' } };
    }
    const limit = route.maxBodyBytes ?? MAX_ROUTE_BODY;
    let raw: Buffer;
    try {
      raw = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      return { status: 413, body: { error: 'body_too_large', limit } };
    }
    try {
      // Strings made well-formed here, once, so no capability keeps a lone surrogate (see platform/text.ts).
      body = wellFormed(JSON.parse(raw.toString('utf8')));
    } catch {
      const problem = { field: '(root)', message: 'the body is not JSON', json: false };
      return route.invalid?.(problem) ?? { status: 400, body: { error: 'invalid_json' } };
    }
    const parsed = route.body.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const problem = { field: issue?.path.join('.') || '(root)', message: issue?.message ?? 'invalid', json: true };
      return (
        route.invalid?.(problem) ?? {
          status: 422,
          body: { error: 'invalid_body', field: problem.field, message: problem.message },
        }
      );
    }
    body = parsed.data;
  }
  const request: RouteRequest<unknown> = {
    params,
    // Only the query string is parsed: a whole URL costs more than many a handler.
    query: new URLSearchParams(queryOf(req.url ?? '')),
    // Copied when a handler reads them (few do): OFREP evaluates thousands of flags a second without.
    get headers() {
      return headersOf(req);
    },
    body,
    ...(auth.selects !== undefined && { selected: auth.selects }),
  };
  return route.handle(request);
}

/** The query string of a request target (`/path?a=1`), without a fragment. */
function queryOf(target: string): string {
  const at = target.indexOf('?');
  if (at === -1) return '';
  const end = target.indexOf('#', at);
  return target.slice(at + 1, end === -1 ? undefined : end);
}

/** `application/json` or a `+json` type, whatever its parameters: form and text bodies are not what was declared. */
function isJsonType(header: string | undefined): boolean {
  const media = (header ?? '').split(';')[0]!.trim().toLowerCase();
  return media === 'application/json' || /^application\/[a-z0-9.-]+\+json$/.test(media);
}

type AuthResult = { selects?: string } | 'refused' | 'disabled';

function authorize(
  auth: RegisteredRoute['route']['auth'],
  header: string | undefined,
  webhookToken: string | undefined,
): AuthResult {
  if (auth === 'none') return {};
  if (auth === 'webhook' && !webhookToken) return 'disabled';
  const given = bearerOf(header);
  if (given === undefined) return 'refused';
  const proof = digest(given);
  if (auth === 'webhook') return sameSecret(proof, webhookToken!) ? {} : 'refused';
  // Every token is compared, matching or not, so the time taken says nothing about which one (or how much) matched.
  let found: { selects?: string } | undefined;
  for (const token of auth.bearer()) {
    if (sameSecret(proof, token.token) && !found) found = { selects: token.selects };
  }
  return found ?? 'refused';
}

function bearerOf(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

/**
 * Whether the caller's secret (given as its digest, made once per request) is `expected`. Constant time whatever the
 * lengths: digests of equal length are compared, never the secrets themselves.
 */
function sameSecret(givenDigest: Buffer, expected: string): boolean {
  return timingSafeEqual(givenDigest, expectedDigest(expected));
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The configured secrets' digests, made once each rather than at every request (an OFREP client asks thousands of
 * times a second). Few: WEBHOOK_TOKEN and one token per flag environment; a reload that changes them adds new ones.
 */
const expectedDigests = new Map<string, Buffer>();
function expectedDigest(secret: string): Buffer {
  let known = expectedDigests.get(secret);
  if (!known) {
    if (expectedDigests.size >= 64) expectedDigests.clear();
    known = digest(secret);
    expectedDigests.set(secret, known);
  }
  return known;
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Writes an answer: strings as they are, other bodies as JSON, none for statuses that carry none (304, 204). */
function send(res: ServerResponse, answer: RouteResponse): void {
  const headers: Record<string, string> = { ...answer.headers };
  const noBody = answer.body === undefined || answer.status === 304 || answer.status === 204;
  if (noBody) {
    res.writeHead(answer.status, headers).end();
    return;
  }
  const isText = typeof answer.body === 'string';
  const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (!hasType) headers['content-type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(answer.status, headers).end(isText ? (answer.body as string) : JSON.stringify(answer.body));
}
