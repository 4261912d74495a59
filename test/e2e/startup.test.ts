import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../src/workspace/local/private-redis.js';
import { createSlackServer } from '../../src/workspace/server.js';
import { spawnOpsdeck } from '../support/process.js';
import { redisUrl } from '../support/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'opsdeck-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const slackEnv = {
  SLACK_BOT_TOKEN: 'xoxb-not-a-real-token',
  SLACK_SIGNING_SECRET: 'not-a-real-secret-value',
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
};

describe('refusing to start', () => {
  it('lists every environment problem, one line each, without secret values, and exits 1', async () => {
    const proc = spawnOpsdeck({
      SLACK_BOT_TOKEN: 'xoxb-super-secret-value',
      PORT: 'eighty',
      ROLE: 'boss',
      REDIS_URL: 'http://x',
    });
    const { code } = await proc.exited;
    expect(code).toBe(1);
    const out = proc.output();
    expect(out).toContain('PORT: must be an integer between 0 and 65535');
    expect(out).toContain('ROLE: must be one of bot, worker, all');
    expect(out).toContain('REDIS_URL: must be a redis:// or rediss:// URL');
    expect(out).toContain('SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN');
    expect(out).not.toContain('super-secret');
    expect(out).not.toMatch(/at .*\.ts:\d+/);
  });

  it('lists every ops.yml problem with its path and exits 1', async () => {
    const path = join(dir, 'broken.yml');
    writeFileSync(
      path,
      [
        'roles:',
        '  admin: [alice]',
        'services:',
        '  api:',
        '    chanel: C0API',
        '    checks:',
        '      http: { type: http, url: "not a url" }',
      ].join('\n'),
    );
    const proc = spawnOpsdeck({ ...slackEnv, OPS_CONFIG: path, REDIS_URL: redisUrl() });
    expect((await proc.exited).code).toBe(1);
    const out = proc.output();
    expect(out).toContain('roles.admin[0]');
    expect(out).toContain('services.api');
    expect(out).toContain('chanel');
    expect(out).toContain('services.api.checks.http.url');
  });

  it('refuses a Redis whose maxmemory-policy may evict jobs (R4)', async () => {
    const redis = await startPrivateRedis({ dir: join(dir, 'lru'), extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    try {
      const proc = spawnOpsdeck({ ...slackEnv, REDIS_URL: redis.url, OPS_CONFIG: 'ops.example.yml' });
      expect((await proc.exited).code).toBe(1);
      expect(proc.output()).toContain('Redis maxmemory-policy is "allkeys-lru"; Opsdeck needs "noeviction"');
    } finally {
      await redis.stop();
    }
  });

  /** Starts Opsdeck with `env` against a Slack-compatible server that knows only the right tokens. */
  async function startAgainstSlack(env: Record<string, string>) {
    const slack = await createSlackServer({ botToken: 'xoxb-bot', signingSecret: 'x', appToken: 'xapp-1-A1-right' });
    try {
      const proc = spawnOpsdeck({
        SLACK_API_URL: slack.apiUrl,
        REDIS_URL: redisUrl(),
        REDIS_PREFIX: `startup${Date.now()}`,
        OPS_CONFIG: 'ops.example.yml',
        PORT: '0',
        ...env,
      });
      return { code: (await proc.exited).code, output: proc.output() };
    } finally {
      await slack.close();
    }
  }

  it('names SLACK_BOT_TOKEN when Slack refuses the bot token', async () => {
    const { code, output } = await startAgainstSlack({
      SLACK_BOT_TOKEN: 'xoxb-a-wrong-one',
      SLACK_SIGNING_SECRET: 'not-a-real-secret-value',
    });
    expect(code).toBe(1);
    expect(output).toContain('SLACK_BOT_TOKEN: Slack refused the bot token (invalid_auth)');
    expect(output).not.toContain('a-wrong-one');
  });

  it('names SLACK_APP_TOKEN when Slack refuses the app-level token in Socket Mode', async () => {
    const { code, output } = await startAgainstSlack({
      SLACK_BOT_TOKEN: 'xoxb-bot',
      SLACK_APP_TOKEN: 'xapp-1-A1-wrong',
    });
    expect(code).toBe(1);
    expect(output).toContain('SLACK_APP_TOKEN: cannot open a Socket Mode connection (invalid_auth)');
    expect(output).not.toContain('A1-wrong');
  });

  it('says which Redis it cannot reach', async () => {
    const proc = spawnOpsdeck({ ...slackEnv, REDIS_URL: 'redis://127.0.0.1:1', OPS_CONFIG: 'ops.example.yml' });
    expect((await proc.exited).code).toBe(1);
    expect(proc.output()).toContain('REDIS_URL: cannot reach Redis at 127.0.0.1:1');
  });
});
