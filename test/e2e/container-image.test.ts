import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSlackServer, type SlackServer } from '../../src/workspace/server.js';
import { CONTAINER_TESTS, OPSDECK_IMAGE, run, runOk, startedUrls } from '../support/containers.js';
import { CHANNEL, TEST_OPS_YML, USERS } from '../support/harness.js';
import { redisUrl } from '../support/redis.js';

/**
 * The image as a user runs it: `docker run` with host networking against the Slack-compatible server and the
 * suite's Redis, a bot container and a worker container. `.ci/run` builds the image (see the Dockerfile's header).
 */
describe.runIf(CONTAINER_TESTS)('the container image', () => {
  const name = `opsdeck-image-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-image-'));
  let slack: SlackServer;

  beforeAll(async () => {
    // The image runs as uid 1000: the mounted ops.yml and its folder must be readable by it.
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'ops.yml'), TEST_OPS_YML, { mode: 0o644 });
    slack = await createSlackServer({
      botToken: 'xoxb-image-test',
      signingSecret: 'image-test-signing-secret',
      users: Object.entries(USERS).map(([user, id]) => ({ id, name: user })),
      channels: [{ id: CHANNEL, name: 'ops' }],
    });
  });

  afterAll(async () => {
    await run('docker', ['rm', '--force', `${name}-bot`, `${name}-worker`]);
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const container = (role: string, env: Record<string, string>) => [
    'run',
    '--detach',
    '--name',
    `${name}-${role}`,
    '--network',
    'host',
    '--volume',
    `${join(dir, 'ops.yml')}:/app/ops.yml:ro`,
    ...Object.entries({
      ROLE: role,
      WORKER_ID: `container-${role}`,
      PORT: '0',
      HOST: '127.0.0.1',
      REDIS_URL: redisUrl(),
      REDIS_PREFIX: `image${process.pid}`,
      OPS_CONFIG: '/app/ops.yml',
      SLACK_BOT_TOKEN: 'xoxb-image-test',
      SLACK_SIGNING_SECRET: 'image-test-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      LOG_LEVEL: 'info',
      ...env,
    }).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    OPSDECK_IMAGE,
  ];

  it('exits 1 naming SLACK_BOT_TOKEN when started without Slack credentials', async () => {
    const done = await run('docker', [
      'run',
      '--rm',
      '--network',
      'host',
      '--env',
      `REDIS_URL=${redisUrl()}`,
      OPSDECK_IMAGE,
    ]);
    expect(done.code).toBe(1);
    expect(done.output).toContain('SLACK_BOT_TOKEN');
    expect(done.output).not.toMatch(/at .*\.js:\d+/);
  });

  it('becomes ready and answers a signed /ops ping through a worker container', async () => {
    await runOk('docker', container('bot', {}));
    await runOk('docker', container('worker', {}));
    const botUrl = await vi.waitFor(
      async () => {
        const [url] = startedUrls(await runOk('docker', ['logs', `${name}-bot`]));
        expect(url, 'the bot container logged "opsdeck started"').toBeDefined();
        return url!;
      },
      { timeout: 60_000, interval: 200 },
    );
    await vi.waitFor(
      async () => {
        expect(startedUrls(await runOk('docker', ['logs', `${name}-worker`]))).toHaveLength(1);
        expect((await fetch(`${botUrl}/readyz`)).status).toBe(200);
      },
      { timeout: 60_000, interval: 200 },
    );
    slack.setRequestUrl(`${botUrl}/slack/events`);

    const res = await slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.status).toBe(200);
    const reply = await slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
      30_000,
    );
    expect(String(reply.params.text)).toContain('container-worker');
  }, 120_000);
});
