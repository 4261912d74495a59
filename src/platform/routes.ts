import type { z } from 'zod';

/** The methods a route may declare. */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One accepted bearer token, and what it selects (OFREP's token selects an environment). */
export interface RouteToken {
  token: string;
  /** Handed to the handler as `request.selected` when this token matched. */
  selects?: string;
}

/**
 * Who may call a route; the platform checks it before reading the body.
 * - `'webhook'`: `Authorization: Bearer <WEBHOOK_TOKEN>`, the one token shared by every webhook; with no
 *   WEBHOOK_TOKEN set these routes answer 404 (webhooks are off).
 * - `{ bearer }`: any of the capability's own tokens (read per request, usually from its ops.yml section). Tokens are
 *   compared in constant time; an empty list refuses everyone.
 * - `'none'`: anyone who can reach the port.
 */
export type RouteAuth = 'webhook' | 'none' | { bearer(): readonly RouteToken[] };

/** What a handler sees: nothing it could not trust has reached it unchecked. */
export interface RouteRequest<B> {
  /** `:name` segments of the path, decoded: `/flags/:key` on `/flags/new%20ui` gives `{ key: 'new ui' }`. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** Request headers, names lowercased (`if-none-match`); repeated headers joined with `, `. */
  headers: Readonly<Record<string, string | undefined>>;
  /** The parsed body (`undefined` for a route without a `body` schema). */
  body: B;
  /** What the matching bearer token selects, when `auth` is `{ bearer }` and the token declares it. */
  selected?: string;
}

/** A synchronous answer. `body` is sent as JSON unless it is a string or absent (304, 204: no body). */
export interface RouteResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * An HTTP endpoint a capability declares (`routes: [...]` in its build). The platform matches the path, answers 404
 * and 405 (with `Allow`), checks `auth` (401), caps the body (413), parses JSON (400) and `body` (422 naming the
 * field), counts each request in `opsdeck_http_requests_total{route,method,status}`, and maps a thrown error to a 500
 * carrying an `E-XXXXXX` reference that is also logged — never a stack trace. `handle` answers synchronously.
 */
export interface Route<B = unknown> {
  method: RouteMethod;
  /** Absolute, `/`-separated; a `:name` segment matches one segment (`/ofrep/v1/evaluate/flags/:key`). */
  path: string;
  auth: RouteAuth;
  /** The JSON body's schema. Absent: the body is not read. */
  body?: z.ZodType<B>;
  /** Body cap in bytes; default 1 MiB. */
  maxBodyBytes?: number;
  /**
   * Shapes the 4xx for a body that is not JSON (`field` is `(root)`) or fails `body`, for protocols with their own
   * error format (OFREP's `{ errorCode, errorDetails }`). Default: 400 `invalid_json` / 422 `invalid_body`.
   */
  invalid?(problem: { field: string; message: string; json: boolean }): RouteResponse;
  handle(request: RouteRequest<B>): Promise<RouteResponse> | RouteResponse;
}

/** Declares a route, inferring the body's type from its schema. */
export function route<B = undefined>(definition: Route<B>): Route<B> {
  compilePath(definition.path);
  return definition;
}

/**
 * `POST /webhooks/<path>` behind WEBHOOK_TOKEN: the "queue durably, then 202" kind of route. `handle` answers 2xx
 * only once the payload is durably queued (a job, a Redis write), so a sender's retry is the only copy until then.
 */
export function webhook<B>(definition: {
  path: string;
  schema: z.ZodType<B>;
  /** Body cap in bytes; default 1 MiB. */
  maxBodyBytes?: number;
  handle(body: B): Promise<RouteResponse>;
}): Route<B> {
  return route<B>({
    method: 'POST',
    path: `/webhooks/${definition.path}`,
    auth: 'webhook',
    body: definition.schema,
    maxBodyBytes: definition.maxBodyBytes,
    handle: (request) => definition.handle(request.body),
  });
}

/** A path pattern split into segments: literal text, or a parameter's name. */
export type PathPattern = ReadonlyArray<{ literal: string } | { param: string }>;

/** Paths the platform serves itself; no capability may declare one under them. */
const RESERVED = ['/slack/', '/healthz', '/readyz', '/metrics'];

export function compilePath(path: string): PathPattern {
  if (!path.startsWith('/') || path.length < 2 || path.endsWith('/') || path.includes('//')) {
    throw new Error(`route path ${path} must start with / and have no empty segments`);
  }
  if (
    RESERVED.some(
      (reserved) => path === reserved || path.startsWith(reserved.endsWith('/') ? reserved : `${reserved}/`),
    )
  ) {
    throw new Error(`route path ${path} is the platform's own`);
  }
  return path
    .slice(1)
    .split('/')
    .map((segment) => {
      if (!segment.startsWith(':')) return { literal: segment };
      const param = segment.slice(1);
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(param)) throw new Error(`route path ${path}: bad parameter ${segment}`);
      return { param };
    });
}

/**
 * The parameters of `path` under `pattern`, or undefined when it does not match. A segment that is not valid
 * percent-encoding does not match (the caller answers 404).
 */
export function matchPath(pattern: PathPattern, path: string): Record<string, string> | undefined {
  const segments = path.slice(1).split('/');
  if (segments.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i]!;
    if ('literal' in part) {
      if (segment !== part.literal) return undefined;
      continue;
    }
    if (segment === '') return undefined;
    try {
      params[part.param] = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return params;
}

/** How many literal segments a pattern has: among patterns matching a path, the most literal one wins. */
export function literalCount(pattern: PathPattern): number {
  return pattern.filter((part) => 'literal' in part).length;
}
