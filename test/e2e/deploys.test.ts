import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { webhookSignature } from '../../src/deploys/providers/webhook.js';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import {
  answer as answerOf,
  deployLog as deployLogOf,
  deployMessage as deployMessageOf,
  idOf,
  recordingDeploy,
} from '../support/deploys.js';
import { type FakeGithub, startFakeGithub } from '../support/fake-github.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { redisClient } from '../support/redis.js';

let h: Harness;
let dir: string;
let health: Server;
let github: FakeGithub;
const GITHUB_TOKEN = 'ghp_testtoken000000000000000000000000';
let healthStatus = 200;
let autoStatus = 200;
const HOOK_SECRET = 'a-test-secret-of-some-length';
const hooks: Array<{ body: Record<string, string>; signed: boolean }> = [];
const statusPolls = new Map<string, number>();

/** The deploy webhook's receiver: checks the signature as a real one would, and answers 202 or 401. */
function receiveHook(req: IncomingMessage, res: ServerResponse): void {
  let raw = '';
  req.on('data', (chunk) => {
    raw += chunk;
  });
  req.on('end', () => {
    const expected = webhookSignature(HOOK_SECRET, String(req.headers['x-opsdeck-timestamp']), raw);
    const signed = req.headers['x-opsdeck-signature'] === expected;
    hooks.push({ body: JSON.parse(raw), signed });
    res.writeHead(signed ? 202 : 401).end();
  });
}

const deployLog = () => deployLogOf(dir);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-deploys-'));
  health = createServer((req, res) => {
    if (req.url === '/hooks/deploy') return receiveHook(req, res);
    if (req.url?.startsWith('/status/')) {
      const polls = (statusPolls.get(req.url) ?? 0) + 1;
      statusPolls.set(req.url, polls);
      const status = polls === 1 ? 'running' : 'succeeded';
      return res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status, url: 'https://deployer.example.com/runs/7' }));
    }
    res.writeHead(req.url === '/auto' ? autoStatus : healthStatus).end();
  });
  await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
  const port = (health.address() as AddressInfo).port;
  github = await startFakeGithub(GITHUB_TOKEN);
  h = await startHarness({
    opsYml: `
roles:
  responder: ["*"]
  deployer: [S0DEVS, U0ALICE, U0ADMIN, U0LEAD]
  approver: [S0LEADS, U0BOB]
  admin: [U0ADMIN, S0ADMINS]
services:
  api:
    checks: { http: { type: http, url: "http://127.0.0.1:${port}/healthz", timeout: 2s } }
    deploy:
      ${recordingDeploy(dir)}
      versionPattern: 'v?\\d+\\.\\d+\\.\\d+'
      environments:
        staging: {}
        production: { approval: { from: approver, expiresIn: 30m }, verify: [http] }
  web:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        production: { approval: { from: approver } }
  auto:
    checks: { http: { type: http, url: "http://127.0.0.1:${port}/auto", timeout: 2s } }
    deploy:
      ${recordingDeploy(dir)}
      environments:
        production: { verify: [http], autoRollback: true }
  hooked:
    deploy:
      provider: webhook
      url: "http://127.0.0.1:${port}/hooks/deploy"
      secret: ${HOOK_SECRET}
      statusUrl: "http://127.0.0.1:${port}/status/{id}"
      pollInterval: 100ms
      environments:
        staging: {}
  gh:
    deploy:
      provider: github
      repo: acme/api
      workflow: deploy.yml
      token: ${GITHUB_TOKEN}
      apiUrl: "${github.url}"
      pollInterval: 100ms
      environments:
        staging: {}
  site:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        staging: {}
  slow:
    deploy:
      ${recordingDeploy(dir, { HOLD_UNTIL: join(dir, 'never') })}
      environments:
        staging: {}
`,
  });
});
afterAll(async () => {
  await h.close();
  health.close();
  await github.close();
  rmSync(dir, { recursive: true, force: true });
});

const answer = (userId: string, text: string) => answerOf(h, userId, text);
const deployMessage = (id: string, status: string) => deployMessageOf(h, id, status);
const click = (userId: string, message: WorkspaceMessage, actionId: string) =>
  h.slack.sendBlockAction({ userId, channelId: CHANNEL, messageTs: message.ts, actionId });
const clickAnswer = async (userId: string, message: WorkspaceMessage, actionId: string) => {
  const before = h.slack.calls.length;
  await click(userId, message, actionId);
  const reply = await h.slack.waitForCall(
    (c) => h.slack.calls.indexOf(c) >= before && c.method === 'response_url' && c.params.response_type !== 'in_channel',
  );
  return String(reply.params.text);
};

describe('deploys end to end', () => {
  it('deploys to staging at once, recording what the command deployed and streaming its output', async () => {
    const text = await answer(USERS.alice, 'deploy api 1.0.0');
    expect(text).toContain('deploy of api 1.0.0 to staging, starting');
    const message = await deployMessage(idOf(text), 'succeeded');
    expect(deployLog()).toContain('api 1.0.0 staging');
    await vi.waitFor(() =>
      expect(h.slack.state.replies(CHANNEL, message.ts).map((m) => JSON.stringify(m.blocks))).toContainEqual(
        expect.stringContaining('deployed api 1.0.0 to staging'),
      ),
    );
    // The Home tab says what runs where.
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.alice, channel: 'D0ALICE', tab: 'home' });
    const publish = await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.alice);
    expect(publish.response.ok).toBe(true);
    expect(JSON.stringify(publish.params.view)).toContain('*api* staging: `1.0.0`');
    expect(JSON.stringify(publish.params.view)).toMatch(
      /\*api\* 7d: 1 deploy, lead time unknown, change failure rate 0%, time to restore unknown · 30d: /,
    );
  });

  it('asks for approval in production: self-approval and non-approvers are refused, an approver starts it once', async () => {
    // lead is a deployer and an approver: only the four-eyes rule keeps them from approving their own request.
    const text = await answer(USERS.lead, 'deploy api 1.0.0 to production');
    expect(text).toContain('waiting for approval');
    const id = idOf(text);
    const request = await deployMessage(id, 'awaiting-approval');
    // Times are date tokens, shown in each reader's own zone; never a raw ISO timestamp.
    expect(JSON.stringify(request.blocks)).toMatch(/before <!date\^\d+\^\{time\}\|[^>]+ UTC>/);
    expect(await clickAnswer(USERS.lead, request, 'deploy_approve')).toContain('cannot approve your own');
    expect(await clickAnswer(USERS.alice, request, 'deploy_approve')).toContain('*approver* role');
    expect(await clickAnswer(USERS.carol, request, 'deploy_approve')).toContain('*approver* role');
    await click(USERS.bob, request, 'deploy_approve');
    const done = await deployMessage(id, 'succeeded');
    expect(JSON.stringify(done.blocks)).toContain('approved by <@U0BOB>');
    expect(JSON.stringify(done.blocks)).toMatch(/tried to approve their own request \(refused\) at <!date\^\d+\^/);
    expect(JSON.stringify(done.blocks)).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:/);
    expect(deployLog().filter((line) => line === 'api 1.0.0 production')).toHaveLength(1);
    const entries = await h.opsdeck.audit.latest(50);
    expect(entries).toContainEqual(
      expect.objectContaining({ actor: USERS.lead, action: 'deploys.approve', outcome: 'denied', detail: 'self' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ actor: USERS.alice, action: 'deploys.approve', outcome: 'denied' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ actor: USERS.carol, action: 'deploys.approve', outcome: 'denied' }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ actor: USERS.bob, action: 'deploys.approve', outcome: 'ok' }),
    );
  });

  it('marks a deploy whose verification fails as failed; Rollback redeploys the last good version after approval', async () => {
    healthStatus = 500;
    const text = await answer(USERS.alice, 'deploy api 1.1.0 to production');
    const id = idOf(text);
    await click(USERS.bob, await deployMessage(id, 'awaiting-approval'), 'deploy_approve');
    const failed = await deployMessage(id, 'failed');
    expect(JSON.stringify(failed.blocks)).toContain('Verification failed');
    healthStatus = 200;

    const rollback = await clickAnswer(USERS.alice, failed, 'deploy_rollback');
    expect(rollback).toContain('rollback of api to 1.0.0 in production');
    const rollbackId = idOf(rollback);
    await click(USERS.bob, await deployMessage(rollbackId, 'awaiting-approval'), 'deploy_approve');
    await deployMessage(rollbackId, 'succeeded');
    expect(deployLog().at(-1)).toBe('api 1.0.0 production');

    const history = await answer(USERS.carol, 'deploys api production');
    // The rolled-back change is one failure; the rollback itself is no change.
    expect(history).toContain(
      '7d: 1 deploy, lead time unknown, change failure rate 50%, time to restore unknown; 30d: 1 deploy,',
    );
  });

  it('says no verification is configured where there is none, and counts a rollback there against the change', async () => {
    const first = await deployMessage(idOf(await answer(USERS.alice, 'deploy site 1.0.0')), 'succeeded');
    const shown = JSON.stringify(first.blocks);
    expect(shown).toContain('No verification configured for staging.');
    expect(shown).not.toContain('verifying');
    await deployMessage(idOf(await answer(USERS.alice, 'deploy site 1.0.1')), 'succeeded');
    const rollback = await answer(USERS.alice, 'rollback site staging');
    expect(rollback).toContain('rollback of site to 1.0.0 in staging');
    await deployMessage(idOf(rollback), 'succeeded');

    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'deploys site staging' });
    const { text: history, blocks } = res.body as { text: string; blocks: unknown[] };
    const listed = JSON.stringify(blocks);
    expect(listed).toContain('1.0.1 → staging: succeeded, no verification configured');
    expect(listed).not.toMatch(/, verified/);
    // Two changes, the second rolled back: one failure in two.
    expect(history).toContain('7d: 2 deploys, lead time unknown, change failure rate 50%');
  });

  it('runs exactly one deploy for a double click and two approvers clicking at once', async () => {
    const id = idOf(await answer(USERS.alice, 'deploy api 1.2.0 to production'));
    const request = await deployMessage(id, 'awaiting-approval');
    await Promise.all([
      click(USERS.bob, request, 'deploy_approve'),
      click(USERS.bob, request, 'deploy_approve'),
      click(USERS.lead, request, 'deploy_approve'),
      click(USERS.lead, request, 'deploy_approve'),
    ]);
    await deployMessage(id, 'succeeded');
    expect(deployLog().filter((line) => line === 'api 1.2.0 production')).toHaveLength(1);
  });

  it('refuses hostile versions before anything runs, saying what to fix', async () => {
    const before = deployLog().length;
    for (const hostile of [
      ';rm -rf /',
      '--help',
      '$(touch /tmp/x)',
      '1.0.0\nrm',
      `1.${'0'.repeat(10_000)}`,
      '1.0.0;ls',
    ]) {
      const text = await answer(USERS.alice, `deploy api ${hostile}`);
      expect(text).not.toMatch(/Requested/);
    }
    // The pattern as ops.yml writes it, not as Opsdeck anchors it.
    expect(await answer(USERS.alice, 'deploy api 1.0.0;ls')).toContain(
      'does not match the version pattern `v?\\d+\\.\\d+\\.\\d+`',
    );
    expect(await answer(USERS.alice, 'deploy nope 1.0.0')).toContain('There is no service `nope`');
    expect(await answer(USERS.alice, 'deploy api 1.0.0 to moon')).toContain('has no environment `moon`');
    expect(await answer(USERS.carol, 'deploy api 1.0.0')).toContain('*deployer* role');
    expect(deployLog().length).toBe(before);
  });

  it('runs one of 50 concurrent requests for one service+environment, tells the rest who holds it, and expires', async () => {
    const texts = await Promise.all(
      Array.from({ length: 50 }, (_, i) => answer(USERS.alice, `deploy web 2.0.${i} to production`)),
    );
    const accepted = texts.filter((text) => text.startsWith('Requested'));
    expect(accepted).toHaveLength(1);
    const busy = texts.filter((text) => text.includes('is busy'));
    expect(busy).toHaveLength(49);
    expect(busy[0]).toContain(`#${idOf(accepted[0]!)} (deploy of web`);
    expect(busy[0]).toContain('by <@U0ALICE> is awaiting-approval');

    // Its time runs out (moved into the past here rather than waited for): approving it is refused, and web is free.
    const id = idOf(accepted[0]!);
    const redis = redisClient();
    await redis.hset(`${h.prefix}:deploys:approval:${id}`, 'expiresAt', '1');
    redis.disconnect();
    const request = await deployMessage(id, 'awaiting-approval');
    expect(await clickAnswer(USERS.bob, request, 'deploy_approve')).toContain('expired');
    await deployMessage(id, 'expired');
    expect(await answer(USERS.alice, 'deploy web 3.0.0 to production')).toMatch(/^Requested/);
    expect(deployLog().some((line) => line.startsWith('web '))).toBe(false);
  });

  it('honours freezes (admins only; an admin may override with a reason) and locks', async () => {
    expect(await answer(USERS.alice, 'freeze production 2h release week')).toContain('*admin* role');
    expect(await answer(USERS.admin, 'freeze production 2h release week')).toContain('frozen until');
    expect(await answer(USERS.alice, 'deploy api 1.3.0 to production')).toContain('production is frozen');
    // A refusal by a rule is audited as denied, with its reason, never as a deploy that went through.
    await vi.waitFor(async () =>
      expect(await h.opsdeck.audit.latest(50)).toContainEqual(
        expect.objectContaining({
          actor: USERS.alice,
          action: 'deploys.deploy',
          outcome: 'denied',
          detail: expect.stringContaining('production is frozen'),
        }),
      ),
    );
    expect(await answer(USERS.alice, 'deploy api 1.3.0 to production override "hotfix"')).toContain('Only an *admin*');
    const overridden = await answer(USERS.admin, 'deploy api 1.3.0 to production override "hotfix INC-1"');
    expect(overridden).toMatch(/^Requested/);
    await click(USERS.bob, await deployMessage(idOf(overridden), 'awaiting-approval'), 'deploy_reject');
    await deployMessage(idOf(overridden), 'rejected');
    expect(await h.opsdeck.audit.latest(50)).toContainEqual(
      expect.objectContaining({ actor: USERS.admin, action: 'deploys.freeze-override', detail: 'hotfix INC-1' }),
    );
    expect(await answer(USERS.admin, 'unfreeze production')).toContain('no longer frozen');

    expect(await answer(USERS.bob, 'lock api staging schema migration')).toContain('*deployer* role');
    expect(await answer(USERS.alice, 'lock api staging schema migration')).toContain('Locked api/staging');
    expect(await answer(USERS.admin, 'deploy api 1.3.0 to staging')).toContain(
      'locked by <@U0ALICE>: schema migration',
    );
    expect(await answer(USERS.alice, 'unlock api staging')).toContain('Unlocked');
  });

  it('cancels a running deploy: the command is stopped and the deploy marked cancelled by whoever clicked', async () => {
    const id = idOf(await answer(USERS.alice, 'deploy slow 1.0.0'));
    const running = await deployMessage(id, 'running');
    await vi.waitFor(() => expect(deployLog()).toContain('slow 1.0.0 staging'));
    expect(await clickAnswer(USERS.carol, running, 'deploy_cancel')).toContain('*deployer* role');
    expect(await clickAnswer(USERS.alice, running, 'deploy_cancel')).toContain('Cancelling');
    const cancelled = await deployMessage(id, 'cancelled');
    expect(JSON.stringify(cancelled.blocks)).toContain('cancelled by <@U0ALICE>');
  });

  it('rolls back at once when verification fails and the environment says autoRollback', async () => {
    await deployMessage(idOf(await answer(USERS.alice, 'deploy auto 1.0.0 to production')), 'succeeded');
    autoStatus = 503;
    const id = idOf(await answer(USERS.alice, 'deploy auto 1.1.0 to production'));
    const failed = await deployMessage(id, 'failed');
    expect(JSON.stringify(failed.blocks)).toContain('503 (expected 2xx)');
    await vi.waitFor(
      () =>
        expect(
          (h.slack.state.messages.get(CHANNEL) ?? []).map((m) => m.text).filter((t) => t.includes('rollback of auto')),
        ).toContainEqual(expect.stringMatching(/rollback of auto to 1\.0\.0 in production: (succeeded|failed)$/)),
      { timeout: 20_000, interval: 20 },
    );
    expect(deployLog().filter((line) => line.startsWith('auto '))).toEqual([
      'auto 1.0.0 production',
      'auto 1.1.0 production',
      'auto 1.0.0 production',
    ]);
  });

  it('deploys through a signed webhook, polls its status URL until it succeeds, and links to it', async () => {
    const id = idOf(await answer(USERS.alice, 'deploy hooked 1.0.0'));
    const done = await deployMessage(id, 'succeeded');
    expect(hooks).toEqual([
      { body: { id, service: 'hooked', version: '1.0.0', environment: 'staging', user: USERS.alice }, signed: true },
    ]);
    expect(statusPolls.get(`/status/${id}`)).toBe(2);
    expect(JSON.stringify(done.blocks)).toContain('<https://deployer.example.com/runs/7|Follow the deploy>');
  });

  it('dispatches a GitHub workflow, follows the run it started until it succeeds, and links to it', async () => {
    const id = idOf(await answer(USERS.alice, 'deploy gh 1.0.0'));
    const done = await deployMessage(id, 'succeeded');
    expect(github.dispatches.at(-1)).toEqual({
      workflow: 'deploy.yml',
      body: {
        ref: 'main',
        inputs: { service: 'gh', version: '1.0.0', environment: 'staging', deploy_id: id },
        return_run_details: true,
      },
    });
    expect(JSON.stringify(done.blocks)).toMatch(
      /<https:\/\/github\.com\/acme\/api\/actions\/runs\/\d+\|Follow the deploy>/,
    );
    // Lead time from the run's head commit (the fixture's, years ago): known for GitHub, unknown elsewhere.
    expect(await answer(USERS.carol, 'deploys gh')).toMatch(/7d: 1 deploy, lead time \d+d, change failure rate 0%/);
  });

  it('finds the run when GitHub answers a dispatch with 204, and fails the deploy on a failed run', async () => {
    github.mode = '204';
    github.conclusion = 'failure';
    const id = idOf(await answer(USERS.alice, 'deploy gh 1.0.1'));
    const failed = await deployMessage(id, 'failed');
    expect(JSON.stringify(failed.blocks)).toContain('the workflow run ended failure');
    expect(JSON.stringify(failed.blocks)).toContain('Follow the deploy');
  });

  it('/ops rollback picks the last good version, takes an explicit one, and says when there is none', async () => {
    expect(await answer(USERS.alice, 'rollback api staging')).toContain(
      'No good version of api in staging before 1.0.0',
    );
    const explicit = await answer(USERS.alice, 'rollback api production to 1.1.0');
    expect(explicit).toContain('rollback of api to 1.1.0 in production');
    await click(USERS.bob, await deployMessage(idOf(explicit), 'awaiting-approval'), 'deploy_reject');
    await deployMessage(idOf(explicit), 'rejected');
    expect(await answer(USERS.alice, 'rollback api production')).toMatch(/rollback of api to \d\.\d\.\d in production/);
    expect(await answer(USERS.alice, 'rollback api production to x;y')).toContain('does not match the version pattern');
    expect(await answer(USERS.carol, 'rollback api production')).toContain('*deployer* role');
  });
});
