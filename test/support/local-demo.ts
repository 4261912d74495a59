import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect, vi } from 'vitest';
import { freePort } from '../../src/workspace/local/private-redis.js';
import type { UiMessage } from '../../src/workspace/page/snapshot.js';
import { launchPage } from './browser.js';
import { localModeEnv, type OpsdeckProcess, spawnOpsdeck } from './process.js';
import { deletePrefix, redisClient, uniquePrefix } from './redis.js';
import { repoRoot } from './repo.js';

/** The ports ops.example.yml names for the demo service and the demo Alertmanager. */
const EXAMPLE_DEMO_URL = 'http://127.0.0.1:8081';
const EXAMPLE_ALERTMANAGER_URL = 'http://127.0.0.1:9093';
const EXAMPLE_EXPERIMENT = 'scripts/demo-slow-api.json';

export interface LocalDemo {
  proc: OpsdeckProcess;
  /** Stops `npm start` (SIGTERM) and starts it again on the same data and ports, as a person's restart does. */
  restart(): Promise<void>;
  workspaceUrl: string;
  opsdeckUrl: string;
  demoServiceUrl: string;
  /** POSTs a line typed on the page (`/ops …`) as `userId` in `channelId`. */
  command(userId: string, channelId: string, text: string): Promise<{ status: number; body: unknown }>;
  /** The top-level messages of `channelId` as `userId` sees them on the page. */
  messages(userId: string, channelId: string): Promise<UiMessage[]>;
  close(): Promise<void>;
}

/**
 * `npm start`'s entry point with no Slack variable, on ops.example.yml and its demo runbook, experiment, deploy and
 * users as written — only moved to free ports (the demo service and the demo Alertmanager), since other test files
 * and a person's own `npm start` may hold 8081 and 9093. The experiment file is copied with its `api_url` moved too.
 */
export async function startLocalDemo(): Promise<LocalDemo> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-local-demo-'));
  const [demoPort, alertmanagerPort] = [await freePort(), await freePort()];
  const demoUrl = `http://127.0.0.1:${demoPort}`;
  const experiment = join(dir, 'demo-slow-api.json');
  writeFileSync(
    experiment,
    readFileSync(join(repoRoot, EXAMPLE_EXPERIMENT), 'utf8').replaceAll(EXAMPLE_DEMO_URL, demoUrl),
  );
  const example = readFileSync(join(repoRoot, 'ops.example.yml'), 'utf8');
  for (const written of [EXAMPLE_DEMO_URL, EXAMPLE_ALERTMANAGER_URL, EXAMPLE_EXPERIMENT]) {
    if (!example.includes(written)) throw new Error(`ops.example.yml no longer names ${written}: update this helper`);
  }
  const opsYml = join(dir, 'ops.yml');
  writeFileSync(
    opsYml,
    example
      .replaceAll(EXAMPLE_DEMO_URL, demoUrl)
      .replaceAll(EXAMPLE_ALERTMANAGER_URL, `http://127.0.0.1:${alertmanagerPort}`)
      .replaceAll(EXAMPLE_EXPERIMENT, experiment),
  );
  const prefix = uniquePrefix();
  // A fixed workspace port, so the page's URL survives a restart.
  const env = {
    ...localModeEnv(prefix),
    OPS_CONFIG: opsYml,
    DEMO_SERVICE_PORT: String(demoPort),
    WORKSPACE_PORT: String(await freePort()),
  };
  const start = async () => {
    const started = spawnOpsdeck(env, { entry: 'local' });
    return { started, ready: await started.waitForLog((line) => typeof line.workspaceUrl === 'string') };
  };
  let { started: proc, ready } = await start();
  const workspaceUrl = ready.workspaceUrl as string;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${workspaceUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
  const demo: LocalDemo = {
    proc,
    async restart() {
      proc.child.kill('SIGTERM');
      const exit = await proc.exited;
      if (exit.code !== 0) throw new Error(`npm start exited ${exit.code ?? exit.signal} on SIGTERM`);
      ({ started: proc, ready } = await start());
      demo.proc = proc;
    },
    workspaceUrl,
    opsdeckUrl: ready.opsdeckUrl as string,
    demoServiceUrl: ready.demoServiceUrl as string,
    command: (userId, channelId, text) => post('/workspace/command', { userId, channelId, text }),
    async messages(userId, channelId) {
      const res = await fetch(`${workspaceUrl}/workspace/state?user=${userId}`);
      const state = (await res.json()) as { messages: Record<string, UiMessage[]> };
      return state.messages[channelId] ?? [];
    },
    async close() {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
      const redis = redisClient();
      await deletePrefix(redis, prefix);
      await redis.quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return demo;
}

/** Waits until a message of `channelId` whose text matches `pattern` is on the page of `userId`, and returns it. */
export function pageMessage(
  demo: LocalDemo,
  userId: string,
  channelId: string,
  pattern: RegExp,
  timeout = 30_000,
): Promise<UiMessage> {
  return vi.waitFor(
    async () => {
      const found = (await demo.messages(userId, channelId)).find((m) => pattern.test(m.text));
      expect(found, `a message matching ${pattern}`).toBeDefined();
      return found!;
    },
    { timeout, interval: 100 },
  );
}

/** The local demo and a Chromium page to watch it in, for a browser test's beforeAll; close() ends both. */
export async function startLocalDemoPage(
  waitMs: number,
): Promise<{ demo: LocalDemo; page: Page; close(): Promise<void> }> {
  const demo = await startLocalDemo();
  const browser = await launchPage(waitMs, { viewport: { width: 1440, height: 900 } }).catch(async (error) => {
    await demo.close();
    throw error;
  });
  return {
    demo,
    page: browser.page,
    async close() {
      await browser.close();
      await demo.close();
    },
  };
}
