import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { verifySignature } from '../slack/signature.js';
import { BodyTooLarge, readBody } from './body.js';

/** Slack's largest payloads (view submissions with big modals) are well under this. */
const MAX_SLACK_BODY = 1024 * 1024;

export interface SlackEndpointOptions {
  signingSecret: string;
  /** Bolt's HTTPReceiver listener, built with signature verification off: this endpoint has done it. */
  bolt: RequestListener;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

/**
 * POST /slack/events. Verifies Slack's signature (past and future skew), then hands the buffered request to Bolt.
 * Rejections are 401 with an empty body and cause nothing. A valid signature proves origin, not freshness: replays
 * inside the five-minute window are stopped where side effects happen, by idempotency keys (trigger_id, event_id).
 */
export function slackEndpoint(
  options: SlackEndpointOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const now = options.now ?? Date.now;
  const log = options.logger.child({ module: 'http.slack' });
  return async (req, res) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      options.metrics.ackLatency.observe({ surface: surfaceOf(req) }, seconds);
    });
    let body: Buffer;
    try {
      body = await readBody(req, MAX_SLACK_BODY);
    } catch (error) {
      res.writeHead(error instanceof BodyTooLarge ? 413 : 400).end();
      return;
    }
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('application/x-www-form-urlencoded') && body.toString() === 'ssl_check=1') {
      res.writeHead(200).end();
      return;
    }
    const signature = header(req, 'x-slack-signature');
    const valid = verifySignature({
      secret: options.signingSecret,
      body,
      timestamp: header(req, 'x-slack-request-timestamp'),
      signature,
      nowSeconds: Math.floor(now() / 1000),
    });
    if (!valid) {
      log.warn({ remote: req.socket.remoteAddress }, 'rejected a request with a bad or stale signature');
      res.writeHead(401).end();
      return;
    }
    // Bolt reuses a body already read when it finds it here (HTTPModuleFunctions.bufferIncomingMessage).
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    options.bolt(req, res);
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A bounded label from the content type: commands and interactions are form-encoded, events are JSON. */
function surfaceOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').startsWith('application/json') ? 'event' : 'command_or_interaction';
}
