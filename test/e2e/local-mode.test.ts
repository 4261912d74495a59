import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnv } from '../../src/config/env.js';
import { createLogger } from '../../src/log.js';
import { startOpsdeck } from '../../src/runtime.js';
import { startLocalMode } from '../../src/workspace/local/local-mode.js';
import { localModeEnv, type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../support/redis.js';

/**
 * Issue #3: `npm start` with no Slack variable runs Opsdeck against its local workspace, which a person drives through
 * its browser page (`GET /`, `POST /workspace/command`, `GET /workspace/state`; see src/workspace/ui-routes.ts).
 */

describe('local mode (no Slack credentials)', () => {
  const prefix = uniquePrefix();
  let proc: OpsdeckProcess;
  let workspaceUrl: string;

  beforeAll(async () => {
    proc = spawnOpsdeck(localModeEnv(prefix), { entry: 'local' });
    const ready = await proc.waitForLog((line) => typeof line.workspaceUrl === 'string');
    workspaceUrl = ready.workspaceUrl as string;
  });

  afterAll(async () => {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    const redis = redisClient();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('prints a banner that says which URL to open, apart from the log lines', () => {
    const lines = proc.output().split('\n');
    const open = lines.indexOf(`  Open ${workspaceUrl} in a browser`);
    expect(open).toBeGreaterThan(0);
    expect(lines[open - 1]).toBe('');
    expect(lines.slice(open, open + 8).join('\n')).toMatch(/Opsdeck {7}http:\/\/127\.0\.0\.1:\d+\n {2}Redis {9}\S/);
    expect(proc.output()).not.toContain('xoxb-');
  });

  it('serves the Slack-compatible Web API, which refuses other tokens', async () => {
    const res = await fetch(`${workspaceUrl}/api/auth.test`, {
      method: 'POST',
      headers: { authorization: 'Bearer xoxb-not-the-local-token' },
    });
    expect(await res.json()).toMatchObject({ ok: false, error: 'invalid_auth' });
  });

  it('serves the browser page at /', async () => {
    const res = await fetch(`${workspaceUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toMatch(/<html/i);
  });

  it('answers /ops ping typed in the workspace, from a worker', async () => {
    const res = await fetch(`${workspaceUrl}/workspace/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'U0CAROL', channelId: 'C0GENERAL', text: '/ops ping' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 200 });
    await vi.waitFor(
      async () => {
        const state = await fetch(`${workspaceUrl}/workspace/state?user=U0CAROL`).then((r) => r.text());
        expect(state).toContain('Pong from worker');
      },
      { timeout: 10_000, interval: 100 },
    );
  });

  it('stops on SIGTERM and exits 0', async () => {
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
    expect(proc.output()).toContain('"msg":"opsdeck stopped"');
  });
});

describe('local mode in one process', () => {
  it('wires the workspace to Opsdeck: /ops ping from carol in #general gets its pong', async () => {
    const prefix = uniquePrefix();
    const logger = createLogger({ level: 'silent' });
    const env = loadEnv({
      REDIS_URL: redisUrl(),
      REDIS_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      WORKSPACE_PORT: '0',
      DEMO_SERVICE_PORT: '0',
    });
    const local = await startLocalMode(env, logger, {});
    const opsdeck = await startOpsdeck({ env: local.env, slack: local.slack, catalog: local.catalog, logger });
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      local.connect(opsdeck.url);
      expect(write).toHaveBeenCalledOnce();
      const res = await local.workspace.sendCommand({ userId: 'U0CAROL', channelId: 'C0GENERAL', text: 'ping' });
      expect(res.status).toBe(200);
      const reply = await local.workspace.waitForCall(
        (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
      );
      expect(reply.params.text).toContain('Pong from worker');
    } finally {
      write.mockRestore();
      await opsdeck.close();
      await local.close();
      const redis = redisClient();
      await deletePrefix(redis, prefix);
      await redis.quit();
    }
  });
});

describe('a partial set of Slack variables', () => {
  it('is a configuration error, not local mode', async () => {
    const proc = spawnOpsdeck(
      { SLACK_BOT_TOKEN: 'xoxb-only-the-token', REDIS_URL: redisUrl(), PORT: '0' },
      { entry: 'local' },
    );
    expect((await proc.exited).code).toBe(1);
    expect(proc.output()).toContain('SLACK_SIGNING_SECRET');
    expect(proc.output()).not.toContain('Opsdeck local workspace');
    expect(proc.output()).not.toContain('xoxb-only-the-token');
  });
});

describe('production never fakes Slack (issue #8)', () => {
  const noSlack = { REDIS_URL: redisUrl(), PORT: '0', WORKSPACE_PORT: '0', DEMO_SERVICE_PORT: '0' };

  it('the production entry point (node dist/main.js, the image) without credentials exits 1 naming SLACK_BOT_TOKEN', async () => {
    const proc = spawnOpsdeck(noSlack);
    expect((await proc.exited).code).toBe(1);
    expect(proc.output()).toMatch(/^opsdeck: cannot start\n {2}SLACK_BOT_TOKEN: required/);
    expect(proc.output()).not.toContain('local workspace is ready');
  });

  it('npm start with NODE_ENV=production and no credentials exits 1 naming SLACK_BOT_TOKEN', async () => {
    const proc = spawnOpsdeck({ ...noSlack, NODE_ENV: 'production' }, { entry: 'local' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output()).toMatch(/^opsdeck: cannot start\n {2}SLACK_BOT_TOKEN: required/);
    // Production's advice is to set the Slack variables, not to run something else.
    expect(proc.output()).toContain('set these Slack variables');
    expect(proc.output()).not.toContain('npm start');
    expect(proc.output()).not.toContain('local workspace is ready');
  });
});
