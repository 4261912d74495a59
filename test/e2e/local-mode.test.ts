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

interface Snapshot {
  channels: Array<{ id: string; name: string }>;
  messages: Record<string, Array<{ ts: string; text: string; blocks?: unknown; pinned: boolean; ephemeral: boolean }>>;
}

/** What carol's page shows of the workspace. */
async function snapshotAt(workspaceUrl: string): Promise<Snapshot> {
  return (await fetch(`${workspaceUrl}/workspace/state?user=U0CAROL`)).json() as Promise<Snapshot>;
}

async function typeCommand(workspaceUrl: string, channelId: string, text: string): Promise<void> {
  const res = await fetch(`${workspaceUrl}/workspace/command`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'U0CAROL', channelId, text }),
  });
  expect(res.status).toBe(200);
}

/** The incident channel named after `slug`, once its card is pinned (the incident's setup job is done). */
async function incidentChannel(workspaceUrl: string, slug: string) {
  return vi.waitFor(
    async () => {
      const snapshot = await snapshotAt(workspaceUrl);
      const channel = snapshot.channels.find((c) => c.name.endsWith(`-${slug}`));
      expect(snapshot.messages[channel?.id ?? '']?.some((m) => m.pinned)).toBe(true);
      return { ...channel!, messages: snapshot.messages[channel!.id]! };
    },
    { timeout: 15_000, interval: 100 },
  );
}

describe('local mode across restarts (issue #20)', () => {
  const prefix = uniquePrefix();
  let proc: OpsdeckProcess | undefined;

  async function start(args: string[] = []): Promise<string> {
    proc = spawnOpsdeck(localModeEnv(prefix), { entry: 'local', args });
    const ready = await proc.waitForLog((line) => typeof line.workspaceUrl === 'string');
    return ready.workspaceUrl as string;
  }

  afterAll(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
    const redis = redisClient();
    await deletePrefix(redis, prefix);
    await redis.quit();
  });

  it('a restart after a kill shows the same incident channel and messages; the next incident gets a new id', {
    timeout: 90_000,
  }, async () => {
    let url = await start();
    await typeCommand(url, 'C0INCIDENTS', '/ops incident declare sev3 Checkout is slow');
    const before = await incidentChannel(url, 'checkout-is-slow');
    const idsBefore = (await snapshotAt(url)).channels.map((c) => c.id);
    proc!.child.kill('SIGKILL');
    await proc!.exited;

    url = await start();
    const after = await snapshotAt(url);
    expect(after.channels.find((c) => c.id === before.id)?.name).toBe(before.name);
    expect(after.messages[before.id]).toEqual(before.messages);

    await typeCommand(url, 'C0INCIDENTS', '/ops incident declare sev3 Search is down');
    const second = await incidentChannel(url, 'search-is-down');
    expect(idsBefore).not.toContain(second.id);
    // /ops incident list links each incident to its own channel.
    await typeCommand(url, 'C0INCIDENTS', '/ops incident list');
    const list = await vi.waitFor(
      async () => {
        const found = (await snapshotAt(url)).messages.C0INCIDENTS?.find((m) => m.text.includes('2 open incidents'));
        expect(found).toBeDefined();
        return JSON.stringify(found);
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(list).toMatch(new RegExp(`#1 Checkout is slow[^•]*<#${before.id}>`));
    expect(list).toMatch(new RegExp(`#2 Search is down[^•]*<#${second.id}>`));
    proc!.child.kill('SIGTERM');
    expect((await proc!.exited).code).toBe(0);
  });

  it('npm start -- --fresh starts over: no incident, no incident channel, no message', {
    timeout: 60_000,
  }, async () => {
    const url = await start(['--fresh']);
    const fresh = await snapshotAt(url);
    expect(fresh.channels.filter((c) => c.name.startsWith('inc-'))).toEqual([]);
    expect(fresh.messages.C0INCIDENTS).toEqual([]);
    await typeCommand(url, 'C0INCIDENTS', '/ops incident list');
    await vi.waitFor(
      async () => expect(JSON.stringify((await snapshotAt(url)).messages.C0INCIDENTS)).toContain('No open incidents'),
      { timeout: 10_000, interval: 100 },
    );
    proc!.child.kill('SIGTERM');
    expect((await proc!.exited).code).toBe(0);
  });

  it('refuses an argument it does not know, saying what it takes', async () => {
    proc = spawnOpsdeck(localModeEnv(prefix), { entry: 'local', args: ['--frsh'] });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output()).toMatch(/unknown argument "--frsh": `npm start` takes only --fresh/);
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
