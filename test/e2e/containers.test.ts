import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createSlackServer, type SlackServer } from '../../src/workspace/server.js';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import {
  CONTAINER_TESTS,
  freePort,
  OPSDECK_IMAGE,
  REDIS_IMAGE,
  roundRobin,
  run,
  runOk,
  startedUrls,
} from '../support/containers.js';
import { CHANNEL, TEST_OPS_YML, USERS } from '../support/harness.js';
import { redisUrl } from '../support/redis.js';
import { repoRoot } from '../support/repo.js';

/**
 * The image and docker-compose.yml as users run them. One file, so the two never start containers at the same time:
 * a machine with two cores starting seven Node processes at once would only measure its own load.
 */
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
        const logs = await runOk('docker', ['logs', `${name}-bot`]);
        const [url] = startedUrls(logs);
        expect(url, `the bot container logged "opsdeck started":\n${logs}`).toBeDefined();
        return url!;
      },
      { timeout: 120_000, interval: 250 },
    );
    await vi.waitFor(
      async () => {
        expect(startedUrls(await runOk('docker', ['logs', `${name}-worker`]))).toHaveLength(1);
        expect((await fetch(`${botUrl}/readyz`)).status).toBe(200);
      },
      { timeout: 120_000, interval: 250 },
    );
    slack.setRequestUrl(`${botUrl}/slack/events`);

    const res = await slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.status).toBe(200);
    const reply = await slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
      30_000,
    );
    expect(String(reply.params.text)).toContain('container-worker');
  }, 240_000);
});

/**
 * docker-compose.yml as the README's production section runs it (with docker-compose.host.yml, since containers
 * here get no bridge network): Redis, 2 bots behind a round-robin proxy and 3 workers. A deploy with approval and an
 * alert go through them, and each happens once. Debian's docker-compose 1.29 runs it; the file is kept valid for
 * Compose v2 too.
 */
const ALERTS = 'C0ALERTS';
const SIGNING_SECRET = 'compose-test-signing-secret';
const WEBHOOK_TOKEN = 'compose-test-webhook-token-0123456789';

const OPS_YML = `
slack:
  alertsChannel: ${ALERTS}
roles:
  responder: ["*"]
  deployer: [U0ALICE, U0LEAD]
  approver: [U0BOB, U0LEAD]
services:
  api:
    deploy:
      provider: command
      command: ["echo", "shipping {service} {version} to {environment}"]
      environments:
        production: { approval: { from: approver } }
`;

describe.runIf(CONTAINER_TESTS)('docker-compose.yml: Redis, 2 bots and 3 workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-compose-'));
  const project = `opsdeckci${process.pid}`;
  let slack: SlackServer;
  let proxy: Awaited<ReturnType<typeof roundRobin>>;
  let bots: string[] = [];
  let env: Record<string, string>;

  const files = () =>
    ['--project-name', project, '--project-directory', dir, '-f', join(repoRoot, 'docker-compose.yml')].concat([
      '-f',
      join(repoRoot, 'docker-compose.host.yml'),
    ]);
  const compose = (...args: string[]) => runOk('docker-compose', [...files(), ...args], env);

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'ops.yml'), OPS_YML, { mode: 0o644 });
    slack = await createSlackServer({
      botToken: 'xoxb-compose-test',
      signingSecret: SIGNING_SECRET,
      users: Object.entries(USERS).map(([user, id]) => ({ id, name: user })),
      channels: [
        { id: CHANNEL, name: 'ops' },
        { id: ALERTS, name: 'alerts' },
      ],
    });
    env = {
      OPSDECK_IMAGE,
      REDIS_IMAGE,
      REDIS_PORT: String(await freePort()),
      OPS_YML: join(dir, 'ops.yml'),
      SLACK_BOT_TOKEN: 'xoxb-compose-test',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      WEBHOOK_TOKEN,
    };
    // The commands the README's production section shows, with the host-network override.
    await compose('config', '--quiet');
    await compose('up', '--detach', '--no-build', '--scale', 'bot=2', '--scale', 'worker=3');
    bots = await vi.waitFor(
      async () => {
        const urls = startedUrls(await compose('logs', '--no-color', 'bot'));
        expect(urls).toHaveLength(2);
        expect(startedUrls(await compose('logs', '--no-color', 'worker'))).toHaveLength(3);
        for (const url of urls) expect((await fetch(`${url}/readyz`)).status).toBe(200);
        return urls;
      },
      { timeout: 150_000, interval: 250 },
    );
    proxy = await roundRobin(() => bots);
    slack.setRequestUrl(`${proxy.url}/slack/events`);
  }, 240_000);

  afterAll(async () => {
    if (env) await run('docker-compose', [...files(), 'down', '--volumes', '--timeout', '5'], env);
    await proxy?.close();
    await slack?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const topLevel = (channel: string, pattern: RegExp): WorkspaceMessage[] =>
    (slack.state.messages.get(channel) ?? []).filter((m) => !m.threadTs && !m.ephemeralFor && pattern.test(m.text));

  it('runs a production deploy once, after an approver other than the requester approves on either bot', async () => {
    const res = await slack.sendCommand({
      userId: USERS.lead,
      channelId: CHANNEL,
      text: 'deploy api 1.4.2 to production',
    });
    expect(res.status).toBe(200);
    const request = await vi.waitFor(
      () => {
        const [found] = topLevel(CHANNEL, /api 1\.4\.2/);
        expect(found?.text).toMatch(/awaiting-approval$/);
        return found!;
      },
      { timeout: 30_000, interval: 50 },
    );
    // The requester's own click is refused (awaited: the refusal is answered from a worker, and a click handled after
    // bob's approval would find the request already approved); then bob clicks Approve twice, the proxy sending each
    // click to the other bot: the deploy runs once.
    const click = (userId: string) =>
      slack.sendBlockAction({ userId, channelId: CHANNEL, messageTs: request.ts, actionId: 'deploy_approve' });
    await click(USERS.lead);
    await slack.waitForCall(
      (c) => c.method === 'response_url' && /cannot approve your own/.test(String(c.params.text)),
      30_000,
    );
    await click(USERS.bob);
    await click(USERS.bob);
    const done = await vi.waitFor(
      () => {
        const [found] = topLevel(CHANNEL, /api 1\.4\.2/);
        expect(found?.text).toMatch(/succeeded$/);
        return found!;
      },
      { timeout: 60_000, interval: 50 },
    );
    // The command's output, streamed to the deploy's thread: it ran once.
    await vi.waitFor(() =>
      expect(
        slack.state
          .replies(CHANNEL, done.ts)
          .filter((m) => JSON.stringify(m.blocks).includes('shipping api 1.4.2 to production')),
      ).toHaveLength(1),
    );
    expect(topLevel(CHANNEL, /api 1\.4\.2/)).toHaveLength(1);
  }, 120_000);

  it('posts one message for an alert group delivered to both bots', async () => {
    const body = readFileSync(join(repoRoot, 'test/fixtures/alertmanager/firing.json'), 'utf8');
    for (const bot of bots) {
      const res = await fetch(`${bot}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBeLessThan(300);
    }
    const alertname = (JSON.parse(body) as { commonLabels: Record<string, string> }).commonLabels.alertname!;
    await vi.waitFor(() => expect(topLevel(ALERTS, new RegExp(alertname))).toHaveLength(1), {
      timeout: 60_000,
      interval: 50,
    });
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === ALERTS)).toHaveLength(1);
    expect(proxy.served.size).toBe(2);
  }, 240_000);
});
