import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface HttpServerOptions {
  /** POST /slack/events; absent in Socket Mode and for worker-only processes. */
  slack?: Handler;
  readiness(): Promise<Readiness>;
  metrics: Metrics;
  /** Every path the platform does not serve itself: capabilities' declared routes (webhooks among them). */
  routes(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  logger: Logger;
}

/**
 * The one HTTP server of an Opsdeck process: Slack's endpoint beside health, readiness, metrics and the routes
 * capabilities declare (which answer their own 404 and 405). A
 * handler that throws gets a 500 with no details; the error goes to the log.
 */
export function createHttpServer(options: HttpServerOptions): Server {
  const log = options.logger.child({ module: 'http' });
  const routes: Record<string, Handler | undefined> = {
    'POST /slack/events': options.slack,
    'GET /healthz': (_req, res) => json(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      const readiness = await options.readiness();
      json(res, readiness.ready ? 200 : 503, {
        status: readiness.ready ? 'ready' : 'not ready',
        checks: readiness.checks,
      });
    },
    'GET /metrics': async (_req, res) => {
      const body = await options.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': options.metrics.registry.contentType }).end(body);
    },
  };
  return createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const handler = routes[`${req.method} ${path}`];
    try {
      if (handler) await handler(req, res);
      else await options.routes(req, res, path);
    } catch (error) {
      log.error({ err: error, path }, 'request failed');
      if (!res.headersSent) json(res, 500, { error: 'internal_error' });
      else res.end();
    }
  });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
