import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from '../../../src/catalog.js';
import { loadEnv } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import type { SlackTransport } from '../../../src/runtime.js';
import { type DemoService, SLOW_MS, startDemoService } from '../../../src/workspace/local/demo-service.js';
import {
  answersPing,
  chooseRedis,
  type LocalMode,
  localApp,
  seedFromCatalog,
  startLocalMode,
} from '../../../src/workspace/local/local-mode.js';
import { freePort } from '../../../src/workspace/local/private-redis.js';
import { createSlackServer } from '../../../src/workspace/server.js';
import { capturingLogger } from '../../support/logs.js';
import { redisUrl, uniquePrefix } from '../../support/redis.js';
import { repoRoot } from '../../support/repo.js';

const silent = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'opsdeck-local-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chooseRedis', () => {
  const url = 'redis://127.0.0.1:6379';

  it('uses REDIS_URL when it was set, without looking further', () => {
    const explicitUrl = 'redis://redis.internal:6380';
    for (const defaultAnswers of [true, false]) {
      for (const binaryAvailable of [true, false]) {
        expect(chooseRedis({ explicit: true, url: explicitUrl, defaultAnswers, binaryAvailable })).toEqual({
          kind: 'use',
          url: explicitUrl,
          source: 'explicit',
        });
      }
    }
  });

  it('uses a Redis that answers at the default URL', () => {
    expect(chooseRedis({ explicit: false, url, defaultAnswers: true, binaryAvailable: true })).toEqual({
      kind: 'use',
      url,
      source: 'default',
    });
    expect(chooseRedis({ explicit: false, url, defaultAnswers: true, binaryAvailable: false }).kind).toBe('use');
  });

  it('starts a private redis-server when nothing answers and the binary is there', () => {
    expect(chooseRedis({ explicit: false, url, defaultAnswers: false, binaryAvailable: true })).toEqual({
      kind: 'private',
    });
  });

  it('says how to get a Redis when there is none', () => {
    const choice = chooseRedis({ explicit: false, url, defaultAnswers: false, binaryAvailable: false });
    expect(choice.kind).toBe('unavailable');
    const message = choice.kind === 'unavailable' ? choice.message : '';
    expect(message).toContain('127.0.0.1:6379');
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain('brew install redis');
    expect(message).toContain('REDIS_URL');
  });
});

describe('answersPing', () => {
  let other: Server | undefined;
  afterEach(() => other?.close());

  it('is true for a Redis', async () => {
    expect(await answersPing(redisUrl())).toBe(true);
  });

  it('is false when nothing listens', async () => {
    expect(await answersPing(`redis://127.0.0.1:${await freePort()}`)).toBe(false);
  });

  it('is false for something that is not Redis', async () => {
    other = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => other!.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    expect(await answersPing(`redis://127.0.0.1:${port}`, 300)).toBe(false);
  });
});

describe('seedFromCatalog', () => {
  it('seeds ops.example.yml: the demo people, their groups and every channel it names', async () => {
    const { catalog } = await loadCatalog(join(repoRoot, 'ops.example.yml'), {});
    const seed = seedFromCatalog(catalog);
    expect(seed.users).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'U0ALICE', name: 'alice' }),
        expect.objectContaining({ id: 'U0BOB', name: 'bob' }),
        expect.objectContaining({ id: 'U0ADMIN', name: 'admin' }),
        expect.objectContaining({ id: 'U0CAROL', name: 'carol' }),
        expect.objectContaining({ id: 'U0DANA', name: 'dana' }),
      ]),
    );
    expect(seed.users).toHaveLength(5);
    expect(seed.usergroups).toEqual({ S0DEVS: ['U0ALICE'], S0LEADS: ['U0BOB'] });
    expect(seed.channels).toEqual([
      { id: 'C0GENERAL', name: 'general' },
      { id: 'C0ALERTS', name: 'alerts' },
      { id: 'C0INCIDENTS', name: 'incidents' },
      { id: 'C0API', name: 'api' },
    ]);
  });

  it('adds every other user id, gives other groups every user, and keeps channel names unique', () => {
    const { catalog } = parseCatalog(
      [
        'slack: { alertsChannel: C0ALERTS }',
        'roles:',
        '  responder: ["*"]',
        '  deployer: [U0DAVE, S0APITEAM]',
        '  admin: [W0GRID, S0OPS]',
        'services:',
        '  alerts: { channel: C0SVCALERTS, owners: [U0ERIN] }',
        '  api: { channel: C0ALERTS }',
        '  web: { channel: G0WEB }',
        '  batch: {}',
      ].join('\n'),
      {},
    );
    const seed = seedFromCatalog(catalog);
    const ids = ['U0ALICE', 'U0BOB', 'U0ADMIN', 'U0CAROL', 'U0DANA', 'U0DAVE', 'W0GRID', 'U0ERIN'];
    expect(seed.users.map((user) => user.id)).toEqual(ids);
    expect(seed.users.find((user) => user.id === 'U0DAVE')?.name).toBe('u0dave');
    expect(seed.usergroups).toEqual({ S0APITEAM: ['U0ALICE', 'U0BOB'], S0OPS: ids });
    expect(seed.channels).toEqual([
      { id: 'C0GENERAL', name: 'general' },
      { id: 'C0ALERTS', name: 'alerts' },
      { id: 'C0SVCALERTS', name: 'alerts-c0svcalerts' },
      { id: 'G0WEB', name: 'web', isPrivate: true },
    ]);
  });

  it('makes every user and the bot a member of every seeded channel', async () => {
    const { catalog } = await loadCatalog(join(repoRoot, 'ops.example.yml'), {});
    const seed = seedFromCatalog(catalog);
    const server = await createSlackServer({ botToken: 'xoxb-t', signingSecret: 's', ...seed });
    try {
      for (const { id } of seed.channels) {
        const members = server.state.channels.get(id)?.members ?? [];
        expect(members).toEqual(expect.arrayContaining([server.state.botUserId, ...seed.users.map((u) => u.id)]));
      }
    } finally {
      await server.close();
    }
  });
});

const signingSecret = (slack: SlackTransport) => (slack.mode === 'http' ? slack.signingSecret : undefined);

describe('localApp', () => {
  it("runs the app manifest.yml declares, under the configured slash command's name", () => {
    const app = localApp('/ops');
    expect(app.commands).toEqual([{ command: '/ops', shouldEscape: true }]);
    expect(app.botEvents).toContain('app_home_opened');
    const manifest = join(dir, 'manifest.yml');
    writeFileSync(
      manifest,
      [
        'features:',
        '  slash_commands: [{ command: /ops, description: x, should_escape: true }]',
        '  shortcuts: [{ name: Declare, type: message, callback_id: declare, description: d }]',
        'settings: { event_subscriptions: { bot_events: [pin_added] } }',
      ].join('\n'),
    );
    expect(localApp('/opsdev', manifest)).toEqual({
      commands: [{ command: '/opsdev', shouldEscape: true }],
      shortcuts: [{ name: 'Declare', type: 'message', callbackId: 'declare', description: 'd' }],
      botEvents: ['pin_added'],
    });
    expect(localApp('/ops', join(dir, 'none.yml'))).toEqual({
      commands: [{ command: '/ops', shouldEscape: false }],
      shortcuts: [],
      botEvents: [],
    });
  });
});

describe('startLocalMode', () => {
  let local: LocalMode | undefined;
  afterEach(async () => {
    await local?.close();
    local = undefined;
  });
  const env = (extra: Record<string, string> = {}) =>
    loadEnv({
      REDIS_URL: redisUrl(),
      REDIS_PREFIX: uniquePrefix(),
      WORKSPACE_PORT: '0',
      DEMO_SERVICE_PORT: '0',
      ...extra,
    });

  it('runs on ops.example.yml with fresh credentials each run and the Redis given', async () => {
    local = await startLocalMode(env(), silent, {});
    const first = local.slack;
    expect(first).toMatchObject({ mode: 'http', botToken: expect.stringMatching(/^xoxb-local-[0-9a-f]{24}$/) });
    expect(local.env.opsConfig).toEqual({ path: 'ops.example.yml', explicit: true });
    expect(local.env.redis.url).toBe(redisUrl());
    expect(Object.keys(local.catalog.services)).toEqual(['api']);
    const auth = await fetch(`${first.apiUrl}auth.test`, { method: 'POST' }).then((res) => res.json());
    expect(auth).toMatchObject({ ok: false, error: 'not_authed' });
    await local.close();

    local = await startLocalMode(env(), silent, {});
    expect(local.slack.botToken).not.toBe(first.botToken);
    expect(signingSecret(local.slack)).not.toBe(signingSecret(first));
  });

  it('keeps an OPS_CONFIG that was set', async () => {
    const path = join(dir, 'ops.yml');
    writeFileSync(path, 'roles: { admin: [U0ZED] }\n');
    local = await startLocalMode(env({ OPS_CONFIG: path }), silent, {});
    expect(local.env.opsConfig).toEqual({ path, explicit: true });
    expect(local.catalog.roles.admin).toEqual(['U0ZED']);
  });

  it('names WORKSPACE_PORT when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(startLocalMode(env({ WORKSPACE_PORT: String(port) }), silent, {})).rejects.toThrow(
        `WORKSPACE_PORT: port ${port} is in use`,
      );
    } finally {
      taken.close();
    }
  });

  it('prints the banner and logs the workspace URL on connect', async () => {
    const { logger, lines } = capturingLogger();
    local = await startLocalMode(env(), logger, {});
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      written.push(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      local.connect('http://127.0.0.1:3999');
    } finally {
      process.stdout.write = write;
    }
    const host = new URL(redisUrl()).host;
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/\n {2}Open http:\/\/127\.0\.0\.1:\d+ in a browser\n/);
    expect(written[0]).toContain('  Opsdeck       http://127.0.0.1:3999\n');
    expect(written[0]).toContain(`  Redis         ${host} (REDIS_URL)\n`);
    expect(lines.find((line) => line.workspaceUrl)).toMatchObject({ opsdeckUrl: 'http://127.0.0.1:3999' });
  });
});

describe('demo service', () => {
  let demo: DemoService | undefined;
  afterEach(async () => {
    await demo?.close();
    demo = undefined;
  });

  it('answers /healthz by its switch, and a later restart makes it healthy again', async () => {
    const restartsLog = join(dir, `restarts-${randomUUID()}.log`);
    demo = await startDemoService({ port: 0, restartsLog, logger: silent });
    const get = (path: string) => fetch(`${demo!.url}${path}`);
    expect((await get('/healthz')).status).toBe(200);
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });

    await fetch(`${demo!.url}/unhealthy`, { method: 'POST' });
    expect((await get('/healthz')).status).toBe(503);
    expect(await (await get('/state')).json()).toMatchObject({ healthy: false });

    await fetch(`${demo!.url}/healthy`, { method: 'POST' });
    expect((await get('/healthz')).status).toBe(200);

    await fetch(`${demo!.url}/unhealthy`, { method: 'POST' });
    writeFileSync(restartsLog, 'restart service=api\n');
    const later = new Date(Date.now() + 1000);
    utimesSync(restartsLog, later, later);
    expect((await get('/healthz')).status).toBe(200);
  });

  it('answers later than a one-second probe waits while slow, until /fast or a restart', async () => {
    const restartsLog = join(dir, `restarts-${randomUUID()}.log`);
    demo = await startDemoService({ port: 0, restartsLog, logger: silent });
    const within = (ms: number) => fetch(`${demo!.url}/healthz`, { signal: AbortSignal.timeout(ms) });
    expect(SLOW_MS).toBeGreaterThan(1000);
    const post = (path: string) => fetch(`${demo!.url}${path}`, { method: 'POST' }).then((r) => r.json());

    expect(await post('/slow')).toEqual({ healthy: true, slow: true });
    await expect(within(1000)).rejects.toThrow(/abort|timeout/i);
    // Slow is not down: the answer still comes, healthy.
    expect((await within(30_000)).status).toBe(200);
    expect(await post('/fast')).toEqual({ healthy: true, slow: false });
    expect((await within(30_000)).status).toBe(200);
    expect(demo!.slow()).toBe(false);

    demo!.setSlow(true);
    writeFileSync(restartsLog, 'restart service=api\n');
    const later = new Date(Date.now() + 1000);
    utimesSync(restartsLog, later, later);
    expect(demo!.slow()).toBe(false);
  });

  it('logs a warning and goes on when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const { logger, lines } = capturingLogger();
    try {
      expect(await startDemoService({ port, logger })).toBeUndefined();
      expect(lines.some((line) => line.level === 40 && String(line.msg).includes('DEMO_SERVICE_PORT'))).toBe(true);
    } finally {
      taken.close();
    }
  });
});

describe('demo scripts', () => {
  /** Runs a script from the repository as Opsdeck does: argv array, no shell, in `cwd`. */
  function run(script: string, args: string[], cwd: string, env: Record<string, string> = {}) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(join(repoRoot, 'scripts', script), args, {
        cwd,
        shell: false,
        env: { ...process.env, DEMO_STEP_SECONDS: '0', ...env },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      child.once('error', reject);
      child.once('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  const workdir = () => {
    const cwd = join(dir, randomUUID());
    mkdirSync(cwd);
    return cwd;
  };

  it('demo-deploy.sh records the deploy and says what it deployed', async () => {
    const cwd = workdir();
    const result = await run('demo-deploy.sh', ['api', 'v1.2.3', 'production'], cwd);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Deployed api v1.2.3 to production');
    const log = readFileSync(join(cwd, '.opsdeck/demo/deploys.log'), 'utf8');
    expect(log).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ deploy service=api version=v1\.2\.3 environment=production\n$/,
    );
  });

  it.each([
    ['a version with shell syntax', ['api', '1.0;rm -rf /', 'staging']],
    ['a version that looks like an option', ['api', '--force', 'staging']],
    ['a bad service name', ['../api', '1.0.0', 'staging']],
    ['a bad environment', ['api', '1.0.0', 'prod$(id)']],
    ['too few arguments', ['api', '1.0.0']],
  ])('demo-deploy.sh refuses %s and records nothing', async (_what, args) => {
    const cwd = workdir();
    const result = await run('demo-deploy.sh', args, cwd);
    expect(result.code).not.toBe(0);
    expect(() => readFileSync(join(cwd, '.opsdeck/demo/deploys.log'))).toThrow();
  });

  it('demo scripts say each step on its own line and refuse a DEMO_STEP_SECONDS that is not a number', async () => {
    const cwd = workdir();
    const deploy = await run('demo-deploy.sh', ['api', 'v1.2.3', 'staging'], cwd);
    expect(deploy.stdout.trim().split('\n')).toHaveLength(4);
    const restart = await run('demo-restart.sh', ['api'], cwd);
    expect(restart.stdout.trim().split('\n')).toHaveLength(4);
    for (const [script, args] of [
      ['demo-deploy.sh', ['api', 'v1.2.3', 'staging']],
      ['demo-restart.sh', ['api']],
    ] as const) {
      const refused = await run(script, [...args], cwd, { DEMO_STEP_SECONDS: '1;id' });
      expect(refused.code, script).toBe(2);
      expect(refused.stderr, script).toContain('DEMO_STEP_SECONDS');
    }
  });

  it('demo-restart.sh records the restart and refuses a bad name', async () => {
    const cwd = workdir();
    expect((await run('demo-restart.sh', ['api'], cwd)).code).toBe(0);
    expect(readFileSync(join(cwd, '.opsdeck/demo/restarts.log'), 'utf8')).toMatch(/ restart service=api\n$/);
    expect((await run('demo-restart.sh', ['api; id'], cwd)).code).not.toBe(0);
  });
});
