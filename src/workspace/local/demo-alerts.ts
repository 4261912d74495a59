import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.js';

/**
 * A stand-in for Alertmanager in local mode: when the demo service turns unhealthy it sends Opsdeck a real
 * Alertmanager webhook (version 4) for `ApiDown`, and a resolved one when it is healthy again; and it answers the
 * silences API (v2) the Silence buttons call, so a person can watch an alert arrive, acknowledge, silence and
 * resolve it without running Alertmanager.
 */
export interface DemoAlerts {
  url: string;
  /** Where webhooks go, once Opsdeck listens. */
  connect(opsdeckUrl: string, token: string): void;
  /** The demo service's health changed. */
  healthChanged(healthy: boolean): Promise<void>;
  close(): Promise<void>;
}

const GROUP_KEY = '{}:{alertname="ApiDown"}';

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let raw = '';
  for await (const chunk of req) {
    raw += chunk;
    if (raw.length > 64 * 1024) throw new Error('too large');
  }
  return JSON.parse(raw);
}

/** The webhook body Alertmanager sends for the demo service's one alert. */
export function demoWebhook(status: 'firing' | 'resolved', startsAt: string, externalURL: string, endsAt?: string) {
  const labels = { alertname: 'ApiDown', service: 'api', severity: 'critical', instance: 'demo-api' };
  return {
    version: '4',
    groupKey: GROUP_KEY,
    truncatedAlerts: 0,
    status,
    receiver: 'opsdeck',
    groupLabels: { alertname: 'ApiDown' },
    commonLabels: labels,
    commonAnnotations: {
      summary: 'The demo API answers 503 on /healthz',
      description: 'Its health check fails. Run the restart-api runbook, or POST /healthy to the demo service.',
    },
    externalURL,
    alerts: [
      {
        status,
        labels,
        annotations: { summary: 'The demo API answers 503 on /healthz' },
        startsAt,
        endsAt: endsAt ?? '0001-01-01T00:00:00Z',
        generatorURL: `${externalURL}/#/alerts`,
        fingerprint: 'd3a0a11ce0000001',
      },
    ],
  };
}

export async function startDemoAlerts(options: { port: number; logger: Logger }): Promise<DemoAlerts | undefined> {
  const log = options.logger.child({ module: 'workspace.demo-alerts' });
  const silences = new Map<string, Record<string, unknown>>();
  let target: { url: string; token: string } | undefined;
  let startsAt: string | undefined;

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/api/v2/silences') {
      readJson(req).then(
        (body) => {
          const id = randomUUID();
          silences.set(id, { id, ...(body as object), status: { state: 'active' } });
          log.info({ id }, 'demo silence created');
          json(res, 200, { silenceID: id });
        },
        () => json(res, 400, { error: 'bad silence' }),
      );
      return;
    }
    req.resume();
    const expire = /^\/api\/v2\/silence\/([0-9a-f-]+)$/.exec(path);
    if (req.method === 'DELETE' && expire) {
      const silence = silences.get(expire[1]!);
      if (!silence) return json(res, 404, { error: 'not found' });
      silence.status = { state: 'expired' };
      return json(res, 200, {});
    }
    if (req.method === 'GET' && path === '/api/v2/silences') return json(res, 200, [...silences.values()]);
    json(res, 404, { error: 'not_found' });
  });
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' ? resolve(false) : reject(error),
    );
    server.listen(options.port, '127.0.0.1', () => resolve(true));
  });
  if (!listening) {
    log.warn({ port: options.port }, 'demo alert sender not started: port in use (a real Alertmanager?)');
    return undefined;
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const send = async (body: unknown) => {
    if (!target) return;
    const res = await fetch(`${target.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((err: unknown) => {
      log.warn({ err }, 'demo alert not delivered');
      return undefined;
    });
    if (res) log.info({ status: res.status }, 'demo alert webhook sent');
  };

  return {
    url,
    connect(opsdeckUrl, token) {
      target = { url: opsdeckUrl, token };
    },
    async healthChanged(healthy) {
      if (!healthy) {
        startsAt = new Date().toISOString();
        await send(demoWebhook('firing', startsAt, url));
      } else if (startsAt) {
        await send(demoWebhook('resolved', startsAt, url, new Date().toISOString()));
        startsAt = undefined;
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
