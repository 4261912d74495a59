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
import { CHANNEL, USERS } from '../support/harness.js';
import { repoRoot } from '../support/repo.js';

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

  const compose = (...args: string[]) =>
    runOk(
      'docker-compose',
      [
        '--project-name',
        project,
        '--project-directory',
        dir,
        '-f',
        join(repoRoot, 'docker-compose.yml'),
        '-f',
        join(repoRoot, 'docker-compose.host.yml'),
        ...args,
      ],
      env,
    );

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
      { timeout: 90_000, interval: 250 },
    );
    proxy = await roundRobin(() => bots);
    slack.setRequestUrl(`${proxy.url}/slack/events`);
  }, 150_000);

  afterAll(async () => {
    if (env)
      await run(
        'docker-compose',
        [
          '--project-name',
          project,
          '--project-directory',
          dir,
          '-f',
          join(repoRoot, 'docker-compose.yml'),
          '-f',
          join(repoRoot, 'docker-compose.host.yml'),
          'down',
          '--volumes',
          '--timeout',
          '5',
        ],
        env,
      );
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
    // The requester's own click is refused; then bob clicks Approve twice, the proxy sending each click to the
    // other bot: the deploy runs once.
    await slack.sendBlockAction({
      userId: USERS.lead,
      channelId: CHANNEL,
      messageTs: request.ts,
      actionId: 'deploy_approve',
    });
    await slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: request.ts,
      actionId: 'deploy_approve',
    });
    await slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: request.ts,
      actionId: 'deploy_approve',
    });
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
    await slack.waitForCall(
      (c) => c.method === 'response_url' && /cannot approve your own/.test(String(c.params.text)),
      30_000,
    );
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
  }, 120_000);
});
