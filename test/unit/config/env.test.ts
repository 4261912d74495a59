import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/env.js';
import { ConfigError } from '../../../src/config/errors.js';

const BOT = 'xoxb-1111-2222-secretbotvalue';
const SECRET = 'signing-secret-value-0123456789';
const APP = 'xapp-1-A111-secretappvalue';

/** Runs loadEnv and returns the ConfigError it throws (fails the test when it does not throw). */
function problemsOf(source: Record<string, string | undefined>): ConfigError {
  try {
    loadEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadEnv to throw');
}

describe('loadEnv defaults', () => {
  it('runs in local mode with every default when nothing is set', () => {
    expect(loadEnv({})).toEqual({
      slack: { mode: 'local' },
      redis: {
        url: 'redis://127.0.0.1:6379',
        prefix: 'opsdeck',
        hashTag: false,
        topology: { kind: 'standalone' },
        explicit: false,
      },
      http: { port: 3000, host: '0.0.0.0' },
      opsConfig: { path: './ops.yml', explicit: false },
      role: 'all',
      logLevel: 'info',
      slashCommand: '/ops',
      shutdownTimeoutMs: 25_000,
      worker: { concurrency: 8, lockMs: 30_000 },
      outbox: { maxAgeMs: 3_600_000, maxDelayMs: 60_000 },
      usergroupCacheMs: 60_000,
      audit: { maxAgeMs: 365 * 24 * 3600_000, maxEntries: 1_000_000, refusalsPerMinute: 10 },
      workspace: { port: 3001, demoServicePort: 8081 },
    });
  });

  it('reads every variable', () => {
    const env = loadEnv({
      SLACK_BOT_TOKEN: BOT,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: 'http://127.0.0.1:4000/api',
      REDIS_URL: 'rediss://user:pw@redis.internal:6380/2',
      REDIS_PREFIX: 'ops_deck-1',
      REDIS_CLUSTER_HASH_TAG: 'true',
      PORT: '8080',
      HOST: '127.0.0.1',
      OPS_CONFIG: '/etc/opsdeck/ops.yml',
      ROLE: 'worker',
      LOG_LEVEL: 'debug',
      SLASH_COMMAND: '/deck',
      WEBHOOK_TOKEN: 'a-webhook-token-of-16+',
      SHUTDOWN_TIMEOUT_MS: '5000',
      WORKER_CONCURRENCY: '2',
      JOB_LOCK_MS: '1500',
      OUTBOX_MAX_AGE_MS: '90000',
      OUTBOX_RETRY_MAX_DELAY_MS: '2000',
      USERGROUP_CACHE_MS: '0',
      AUDIT_RETENTION_DAYS: '30',
      AUDIT_MAX_ENTRIES: '5000',
      AUDIT_REFUSALS_PER_MINUTE: '3',
      WORKER_ID: 'worker-a',
      WORKSPACE_PORT: '4001',
      DEMO_SERVICE_PORT: '0',
    });
    expect(env).toEqual({
      slack: { mode: 'http', botToken: BOT, signingSecret: SECRET, apiUrl: 'http://127.0.0.1:4000/api/' },
      redis: {
        url: 'rediss://user:pw@redis.internal:6380/2',
        prefix: 'ops_deck-1',
        hashTag: true,
        topology: { kind: 'standalone' },
        explicit: true,
      },
      http: { port: 8080, host: '127.0.0.1' },
      opsConfig: { path: '/etc/opsdeck/ops.yml', explicit: true },
      role: 'worker',
      logLevel: 'debug',
      slashCommand: '/deck',
      webhookToken: 'a-webhook-token-of-16+',
      shutdownTimeoutMs: 5000,
      worker: { concurrency: 2, lockMs: 1500, id: 'worker-a' },
      outbox: { maxAgeMs: 90_000, maxDelayMs: 2000 },
      usergroupCacheMs: 0,
      audit: { maxAgeMs: 30 * 24 * 3600_000, maxEntries: 5000, refusalsPerMinute: 3 },
      workspace: { port: 4001, demoServicePort: 0 },
    });
  });

  it('treats empty and blank values as unset and trims the rest', () => {
    const env = loadEnv({ SLACK_BOT_TOKEN: '', PORT: '  ', OPS_CONFIG: '', LOG_LEVEL: ' warn\n' });
    expect(env.slack.mode).toBe('local');
    expect(env.http.port).toBe(3000);
    expect(env.opsConfig).toEqual({ path: './ops.yml', explicit: false });
    expect(env.logLevel).toBe('warn');
  });

  it('keeps a SLACK_API_URL that already ends with a slash', () => {
    expect(loadEnv({ SLACK_API_URL: 'https://slack.example.com/api/' }).slack.apiUrl).toBe(
      'https://slack.example.com/api/',
    );
  });

  it('returns a frozen object', () => {
    const env = loadEnv({});
    expect(Object.isFrozen(env)).toBe(true);
    expect(Object.isFrozen(env.redis)).toBe(true);
  });

  it('ignores unrelated variables', () => {
    expect(loadEnv({ PATH: '/usr/bin', HOME: '/root' }).slack.mode).toBe('local');
  });
});

describe('loadEnv Slack mode', () => {
  it('selects http with a bot token and a signing secret', () => {
    expect(loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET }).slack).toEqual({
      mode: 'http',
      botToken: BOT,
      signingSecret: SECRET,
    });
  });

  it('selects socket with a bot token and an app token', () => {
    expect(loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_APP_TOKEN: APP }).slack).toEqual({
      mode: 'socket',
      botToken: BOT,
      appToken: APP,
    });
  });

  it('selects socket when all three are set, keeping the signing secret', () => {
    expect(loadEnv({ SLACK_BOT_TOKEN: BOT, SLACK_SIGNING_SECRET: SECRET, SLACK_APP_TOKEN: APP }).slack).toEqual({
      mode: 'socket',
      botToken: BOT,
      appToken: APP,
      signingSecret: SECRET,
    });
  });

  it('keeps SLACK_API_URL in local mode (for a local Slack stand-in)', () => {
    expect(loadEnv({ SLACK_API_URL: 'http://127.0.0.1:4000/api' }).slack).toEqual({
      mode: 'local',
      apiUrl: 'http://127.0.0.1:4000/api/',
    });
  });

  it('requires a signing secret or an app token with a bot token', () => {
    const error = problemsOf({ SLACK_BOT_TOKEN: BOT });
    expect(error.problems).toEqual([
      'SLACK_SIGNING_SECRET: required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });

  it('requires a bot token with a signing secret', () => {
    const error = problemsOf({ SLACK_SIGNING_SECRET: SECRET });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^SLACK_BOT_TOKEN: required with SLACK_SIGNING_SECRET/);
  });

  it('requires a bot token with an app token', () => {
    const error = problemsOf({ SLACK_APP_TOKEN: APP });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^SLACK_BOT_TOKEN: required with SLACK_APP_TOKEN/);
  });

  it('checks token prefixes', () => {
    const wrongBot = 'xoxp-user-token-not-a-bot';
    const wrongApp = 'xoxb-not-an-app-token';
    const error = problemsOf({ SLACK_BOT_TOKEN: wrongBot, SLACK_APP_TOKEN: wrongApp });
    expect(error.problems).toEqual([
      'SLACK_BOT_TOKEN: must be a bot token (starting with "xoxb-")',
      'SLACK_APP_TOKEN: must be an app-level token (starting with "xapp-")',
    ]);
    expect(error.message).not.toContain(wrongBot);
    expect(error.message).not.toContain(wrongApp);
  });
});

describe('loadEnv problems', () => {
  it.each([
    ['PORT', '65536', 'PORT: must be an integer between 0 and 65535'],
    ['PORT', '80a', 'PORT: must be an integer between 0 and 65535'],
    ['PORT', '-1', 'PORT: must be an integer between 0 and 65535'],
    ['PORT', '3000.5', 'PORT: must be an integer between 0 and 65535'],
    ['REDIS_URL', 'http://127.0.0.1:6379', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['REDIS_URL', 'redis://', 'REDIS_URL: must be a redis:// or rediss:// URL'],
    ['REDIS_PREFIX', 'ops:deck', 'REDIS_PREFIX: must contain only letters, digits, "_" and "-"'],
    ['ROLE', 'scheduler', 'ROLE: must be one of bot, worker, all'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'],
    ['SLASH_COMMAND', 'ops', 'SLASH_COMMAND: must start with "/" and be 2–32 characters without spaces'],
    ['SLASH_COMMAND', '/', 'SLASH_COMMAND: must start with "/" and be 2–32 characters without spaces'],
    ['SLASH_COMMAND', `/${'x'.repeat(32)}`, 'SLASH_COMMAND: must start with "/" and be 2–32 characters without spaces'],
    ['SLASH_COMMAND', '/o ps', 'SLASH_COMMAND: must start with "/" and be 2–32 characters without spaces'],
    ['WEBHOOK_TOKEN', 'short', 'WEBHOOK_TOKEN: must be at least 16 characters'],
    ['SLACK_API_URL', 'slack.com/api', 'SLACK_API_URL: must be an http:// or https:// URL'],
    ['SHUTDOWN_TIMEOUT_MS', '-5', 'SHUTDOWN_TIMEOUT_MS: must be a non-negative integer'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY: must be an integer between 1 and 1000'],
    ['JOB_LOCK_MS', '0', 'JOB_LOCK_MS: must be an integer of at least 1'],
    ['USERGROUP_CACHE_MS', '1m', 'USERGROUP_CACHE_MS: must be a non-negative integer'],
    ['WORKER_ID', 'w'.repeat(201), 'WORKER_ID: must be at most 200 characters'],
    ['WORKSPACE_PORT', '65536', 'WORKSPACE_PORT: must be an integer between 0 and 65535'],
    ['WORKSPACE_PORT', 'auto', 'WORKSPACE_PORT: must be an integer between 0 and 65535'],
    ['DEMO_SERVICE_PORT', '-1', 'DEMO_SERVICE_PORT: must be an integer between 0 and 65535'],
    ['REDIS_CLUSTER_HASH_TAG', 'yes', 'REDIS_CLUSTER_HASH_TAG: must be true or false'],
    ['AUDIT_RETENTION_DAYS', '0', 'AUDIT_RETENTION_DAYS: must be an integer between 1 and 100000'],
    ['AUDIT_MAX_ENTRIES', '10', 'AUDIT_MAX_ENTRIES: must be an integer of at least 100'],
    ['AUDIT_REFUSALS_PER_MINUTE', '0', 'AUDIT_REFUSALS_PER_MINUTE: must be an integer between 1 and 10000'],
  ])('%s=%s is a problem', (name, value, problem) => {
    expect(problemsOf({ [name]: value }).problems).toEqual([problem]);
  });

  it('accepts the boundaries', () => {
    const env = loadEnv({ PORT: '65535', SLASH_COMMAND: `/${'x'.repeat(31)}`, WEBHOOK_TOKEN: 'x'.repeat(16) });
    expect(env.http.port).toBe(65_535);
    expect(env.slashCommand).toHaveLength(32);
  });

  it('collects every problem into one ConfigError', () => {
    const error = problemsOf({
      SLACK_BOT_TOKEN: BOT,
      PORT: 'eighty',
      ROLE: 'everything',
      REDIS_URL: 'localhost:6379',
      WEBHOOK_TOKEN: 'too-short',
      WORKER_CONCURRENCY: 'many',
    });
    expect(error.code).toBe('config_invalid');
    expect(error.problems).toHaveLength(6);
    expect(error.message).toBe(error.problems.join('\n'));
    for (const name of ['SLACK_SIGNING_SECRET', 'PORT', 'ROLE', 'REDIS_URL', 'WEBHOOK_TOKEN', 'WORKER_CONCURRENCY']) {
      expect(error.problems.some((problem) => problem.startsWith(`${name}: `))).toBe(true);
    }
  });

  it('never echoes a value, secret or not', () => {
    const values = {
      SLACK_BOT_TOKEN: 'xoxp-secret-user-token-AAAA',
      SLACK_SIGNING_SECRET: 'sig-secret-BBBB',
      SLACK_APP_TOKEN: 'xoxa-secret-app-CCCC',
      SLACK_API_URL: 'not-a-url-DDDD',
      REDIS_URL: 'mysql://user:secret-EEEE@db',
      REDIS_PREFIX: 'prefix with spaces FFFF',
      PORT: 'port-GGGG',
      ROLE: 'role-HHHH',
      LOG_LEVEL: 'level-IIII',
      SLASH_COMMAND: 'slash-JJJJ',
      WEBHOOK_TOKEN: 'KKKK-short',
      SHUTDOWN_TIMEOUT_MS: 'LLLL',
      WORKER_CONCURRENCY: 'MMMM',
      JOB_LOCK_MS: 'NNNN',
      USERGROUP_CACHE_MS: 'OOOO',
      WORKSPACE_PORT: 'PPPP',
      DEMO_SERVICE_PORT: 'QQQQ',
    };
    const error = problemsOf(values);
    expect(error.problems.length).toBeGreaterThanOrEqual(Object.keys(values).length - 1);
    for (const value of Object.values(values)) expect(error.message).not.toContain(value);
  });
});

describe('loadEnv Redis topology', () => {
  it('reads Sentinels, their primary name and password', () => {
    const env = loadEnv({
      REDIS_URL: 'redis://:primary-pw@ignored:6379/1',
      REDIS_SENTINELS: '10.0.0.1:26379, sentinel-b:26380,[::1]:26381',
      REDIS_SENTINEL_NAME: 'opsdeck-primary',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pw',
    });
    expect(env.redis.topology).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b', port: 26380 },
        { host: '::1', port: 26381 },
      ],
      name: 'opsdeck-primary',
      sentinelPassword: 'sentinel-pw',
    });
    expect(env.redis.hashTag).toBe(false);
  });

  it('reads Cluster seed nodes and always writes hash tags for them', () => {
    const env = loadEnv({ REDIS_CLUSTER_NODES: 'node-1:7000,node-2:7001' });
    expect(env.redis.topology).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'node-1', port: 7000 },
        { host: 'node-2', port: 7001 },
      ],
    });
    expect(env.redis.hashTag).toBe(true);
  });

  it('names what is wrong: a bad list, a missing name, both topologies at once', () => {
    expect(problemsOf({ REDIS_SENTINELS: 'a:1,b', REDIS_SENTINEL_NAME: 'm' }).problems).toEqual([
      'REDIS_SENTINELS: must be a comma-separated list of host:port',
    ]);
    expect(problemsOf({ REDIS_SENTINELS: 'a:1' }).problems).toEqual([
      'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the name the Sentinels monitor the primary by)',
    ]);
    expect(problemsOf({ REDIS_CLUSTER_NODES: 'a:99999' }).problems).toEqual([
      'REDIS_CLUSTER_NODES: must be a comma-separated list of host:port',
    ]);
    expect(
      problemsOf({ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm', REDIS_CLUSTER_NODES: 'b:2' }).problems,
    ).toEqual(['REDIS_CLUSTER_NODES: set either REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both']);
    expect(problemsOf({ REDIS_SENTINEL_PASSWORD: 'x' }).problems).toEqual([
      'REDIS_SENTINELS: required with REDIS_SENTINEL_NAME / REDIS_SENTINEL_PASSWORD',
    ]);
  });
});
