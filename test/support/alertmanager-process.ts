/** The real Alertmanager as a child process, for tests and the storm bench (no test-harness imports here). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `prometheus-alertmanager` package puts the binary (`.ci/run` installs it when missing). */
export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface RealAlertmanager {
  url: string;
  /** `POST /api/v2/alerts`, as Prometheus does. */
  postAlerts(alerts: Record<string, unknown>[]): Promise<void>;
  /** `GET /api/v2/silences`. */
  silences(): Promise<{ id: string; status: { state: string }; matchers: { name: string; value: string }[] }[]>;
  close(): Promise<void>;
}

/** A port nothing listens on right now (for a URL needed before the server starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the real Alertmanager on a free port, clustering off, with one webhook receiver pointed at `webhookUrl`
 * with bearer auth, and short group timers so a test sees notifications within a couple of seconds.
 */
export async function startAlertmanager(options: {
  webhookUrl?: string;
  token?: string;
  /** The receiver, as YAML lines under `receivers:` (default: the webhook). */
  receiver?: string;
  groupBy?: string[];
  /** The whole alertmanager.yml, replacing the one built from the options above (the storm bench's routes). */
  config?: string;
  port?: number;
}): Promise<RealAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-am-'));
  const port = options.port ?? (await freePort());
  const receiver =
    options.receiver ??
    `  - name: opsdeck
    webhook_configs:
      - url: ${JSON.stringify(options.webhookUrl)}
        send_resolved: true
        http_config:
          authorization: { type: Bearer, credentials: ${JSON.stringify(options.token)} }`;
  writeFileSync(
    join(dir, 'alertmanager.yml'),
    options.config ??
      `route:
  receiver: opsdeck
  group_by: ${JSON.stringify(options.groupBy ?? ['alertname'])}
  group_wait: 200ms
  group_interval: 1s
  repeat_interval: 1h
receivers:
${receiver}
`,
  );
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    ALERTMANAGER_BIN,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`alertmanager exited (${code}): ${log}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (/msg="Listening on"/.test(log)) resolve();
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`alertmanager refused alerts: ${res.status} ${await res.text()}`);
    },
    async silences() {
      return (await fetch(`${url}/api/v2/silences`).then((r) => r.json())) as Awaited<
        ReturnType<RealAlertmanager['silences']>
      >;
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
