import { statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../log.js';
import { DemoFlag, type DemoFlagReading } from './demo-flag.js';

/**
 * A stand-in for the `api` service of ops.example.yml, so that `/ops status`, the scheduled check, deploy verification,
 * the restart runbook and the slow-api experiment all hit something real in local mode (issues #3, #19). Two switches:
 * - health: `POST /unhealthy` makes `GET /healthz` answer 503 until `POST /healthy`;
 * - speed: `POST /slow` makes every answer wait {@link SLOW_MS} first until `POST /fast` (the experiment's method and
 *   its rollback).
 * `scripts/demo-restart.sh` (it appends to `restartsLog`) resets both, so the restart runbook visibly fixes the service.
 */
export interface DemoService {
  url: string;
  /** Reads the demo flag (`new-checkout`) from Opsdeck over OFREP from now on. */
  connectFlags(opsdeckUrl: string, token: string): Promise<void>;
  healthy(): boolean;
  setHealthy(healthy: boolean): void;
  slow(): boolean;
  setSlow(slow: boolean): void;
  close(): Promise<void>;
}

/**
 * How long a slowed-down service takes to answer: past the slow-api experiment's 1 s probe timeout (so its hypothesis
 * visibly deviates) and within the `http` check's 2 s timeout (so the check, and the experiment's guard, still pass).
 */
export const SLOW_MS = 1200;

export interface DemoServiceOptions {
  /** 0 asks the OS for a free port. */
  port: number;
  host?: string;
  /** `.opsdeck/demo/restarts.log`: a restart recorded after the service went unhealthy makes it healthy again. */
  restartsLog?: string;
  logger: Logger;
  now?: () => number;
  /** Told when the health flips (the demo alert sender turns it into Alertmanager webhooks). */
  onHealthChange?: (healthy: boolean) => void;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** What a visitor of the demo service sees: which checkout the flag gives them. */
function page(res: ServerResponse, reading: DemoFlagReading): void {
  const checkout = reading.value ? 'the new checkout' : 'the old checkout';
  const detail = reading.error
    ? `flag ${reading.key}: ${reading.error}`
    : `flag ${reading.key}: variant ${reading.variant ?? '?'} (${reading.reason ?? '?'})`;
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><title>demo service</title><h1 id="checkout">You get ${checkout}</h1><p id="flag">${detail}</p>`,
  );
}

function modifiedAt(path: string | undefined): number | undefined {
  if (!path) return undefined;
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * Starts the demo service. When the port is taken (another copy of Opsdeck, or a real service on 8081) it logs a
 * warning and resolves `undefined`: the local workspace is still useful without it, its checks just fail.
 */
export async function startDemoService(options: DemoServiceOptions): Promise<DemoService | undefined> {
  const log = options.logger.child({ module: 'workspace.demo-service' });
  const now = options.now ?? Date.now;
  let unhealthySince: number | undefined;
  let slowSince: number | undefined;

  /** A restart recorded after `since` (an mtime at or after it). */
  const restartedAfter = (since: number) => {
    const restarted = modifiedAt(options.restartsLog);
    return restarted !== undefined && restarted >= since;
  };
  const healthy = () => {
    if (unhealthySince === undefined) return true;
    if (restartedAfter(unhealthySince)) {
      unhealthySince = undefined;
      log.info('demo service healthy again after a restart');
      options.onHealthChange?.(true);
    }
    return unhealthySince === undefined;
  };
  const slow = () => {
    if (slowSince !== undefined && restartedAfter(slowSince)) {
      slowSince = undefined;
      log.info('demo service fast again after a restart');
    }
    return slowSince !== undefined;
  };
  const setSlow = (value: boolean) => {
    if (value) slowSince ??= now();
    else slowSince = undefined;
    log.info({ slow: value }, 'demo service speed switched');
  };
  const setHealthy = (value: boolean) => {
    const changed = value !== (unhealthySince === undefined);
    if (value) unhealthySince = undefined;
    else unhealthySince ??= now();
    if (changed) options.onHealthChange?.(value);
    log.info({ healthy: value }, 'demo service health switched');
  };

  const flag = new DemoFlag();
  const answer = (method: string, path: string, res: ServerResponse) => {
    if (method === 'GET' && path === '/healthz') {
      return healthy() ? reply(res, 200, { status: 'ok' }) : reply(res, 503, { status: 'unhealthy' });
    }
    if (method === 'GET' && path === '/state') {
      const ok = healthy();
      void flag.read().then((reading) =>
        reply(res, 200, {
          healthy: ok,
          slow: slow(),
          ...(unhealthySince === undefined ? {} : { unhealthySince: new Date(unhealthySince).toISOString() }),
          flag: reading,
        }),
      );
      return;
    }
    if (method === 'GET' && path === '/') {
      void flag.read().then((reading) => page(res, reading));
      return;
    }
    if (method === 'POST' && (path === '/healthy' || path === '/unhealthy')) {
      setHealthy(path === '/healthy');
      return reply(res, 200, { healthy: healthy(), slow: slow() });
    }
    if (method === 'POST' && (path === '/slow' || path === '/fast')) {
      setSlow(path === '/slow');
      return reply(res, 200, { healthy: healthy(), slow: slow() });
    }
    reply(res, 404, { error: 'not_found' });
  };

  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    req.resume();
    // Switches answer at once, whatever the speed: the experiment's rollback must not wait for the slowness it ends.
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' && slow()) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer(req.method ?? 'GET', path, res);
      }, SLOW_MS);
      timers.add(timer);
      return;
    }
    answer(req.method ?? 'GET', path, res);
  });

  const host = options.host ?? '127.0.0.1';
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen(options.port, host, () => resolve(true));
  });
  if (!listening) {
    log.warn(
      { port: options.port },
      'demo service not started: port in use (set DEMO_SERVICE_PORT); checks against it will fail',
    );
    return undefined;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host}:${port}`;
  log.info({ url }, 'demo service listening');
  return {
    url,
    healthy,
    setHealthy,
    slow,
    setSlow,
    connectFlags: (opsdeckUrl, token) => flag.connect(opsdeckUrl, token),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await flag.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
