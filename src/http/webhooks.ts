import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from '../platform/registry.js';
import { BodyTooLarge, readBody } from './body.js';
import { json } from './server.js';

/** Alertmanager batches whole alert groups; 1 MiB is far above any real notification and bounds memory per request. */
export const MAX_WEBHOOK_BODY = 1024 * 1024;

/**
 * `POST /webhooks/<path>`, routed to the capability that declared the path. Guards every request with the bearer
 * token from WEBHOOK_TOKEN (Alertmanager and Grafana send `Authorization: Bearer …` from their http_config; neither
 * signs bodies), caps the body (413), parses JSON (400) and the capability's schema (422 naming the field) before the
 * capability sees anything. With no token configured, webhooks are off.
 */
export function webhooksEndpoint(token: string | undefined, registry: Registry) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!token) {
      json(res, 404, { error: 'webhooks_disabled', message: 'Set WEBHOOK_TOKEN to enable /webhooks/*' });
      return;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      return;
    }
    const path = (req.url ?? '').split('?')[0]!.slice('/webhooks/'.length);
    const webhook = registry.webhook(path);
    if (!webhook) {
      json(res, 404, { error: 'not_found' });
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_WEBHOOK_BODY);
    } catch (error) {
      if (!(error instanceof BodyTooLarge)) throw error;
      json(res, 413, { error: 'body_too_large', limit: MAX_WEBHOOK_BODY });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      json(res, 400, { error: 'invalid_json' });
      return;
    }
    const parsed = webhook.schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      json(res, 422, { error: 'invalid_body', field: issue?.path.join('.') || '(root)', message: issue?.message });
      return;
    }
    const answer = await webhook.handle(parsed.data);
    json(res, answer.status, answer.body ?? {});
  };
}

function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length));
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
