import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { json } from './server.js';

/**
 * Guards every `/webhooks/*` request with the bearer token from WEBHOOK_TOKEN (Alertmanager and Grafana send
 * `Authorization: Bearer …` from their http_config; neither signs bodies). With no token configured, webhooks are off.
 * Webhook receivers (alerts, deploy callbacks) register here as later capabilities arrive.
 */
export function webhooksEndpoint(token: string | undefined) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!token) {
      json(res, 404, { error: 'webhooks_disabled', message: 'Set WEBHOOK_TOKEN to enable /webhooks/*' });
      return;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    json(res, 404, { error: 'not_found' });
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
