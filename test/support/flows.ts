import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { answer, deployLog, deployMessage, idOf, recordingDeploy } from './deploys.js';
import { CHANNEL, type Harness, USERS } from './harness.js';

/**
 * The end-to-end flows a deployment topology must carry (a Redis Cluster, Sentinel, several processes): a deploy
 * with approval, an Alertmanager alert and a scheduled status check, each checked to have happened once.
 */
export const FLOWS_WEBHOOK_TOKEN = 'flows-webhook-token-0123456789';

/** ops.yml for the flows: `web` deploys to production after approval, `api`'s check (every second) fails at once. */
export function flowsOpsYml(dir: string, failingUrl: string): string {
  return `
slack:
  alertsChannel: ${CHANNEL}
roles:
  responder: ["*"]
  deployer: [U0ALICE]
  approver: [U0BOB]
  admin: [U0ADMIN]
services:
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${failingUrl}", interval: 1s, failuresBeforeAlert: 1, severity: critical }
  web:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        production: { approval: { from: approver } }
`;
}

/** `/ops deploy web <version> to production` by alice, approved by bob: resolves once it succeeded, with its id. */
export async function deployWithApproval(h: Harness, version: string): Promise<string> {
  const text = await answer(h, USERS.alice, `deploy web ${version} to production`);
  expect(text).toContain('waiting for approval');
  const id = idOf(text);
  const request = await deployMessage(h, id, 'awaiting-approval');
  const approve = { userId: USERS.bob, channelId: CHANNEL, messageTs: request.ts, actionId: 'deploy_approve' };
  expect((await h.slack.sendBlockAction(approve)).status).toBe(200);
  await deployMessage(h, id, 'succeeded');
  return id;
}

/** The deploy ran exactly once: one line in the recording target's log. */
export function expectDeployedOnce(dir: string, version: string): void {
  expect(deployLog(dir).filter((line) => line === `web ${version} production`)).toHaveLength(1);
}

/** Posts Alertmanager's firing fixture as group `group` (twice, as an HA pair does) and waits for its message. */
export async function alertOnce(h: Harness, url: string, group: string): Promise<void> {
  const firing = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8')) as Record<string, unknown>;
  const body = JSON.stringify({ ...firing, groupKey: `{}:{alertname="${group}"}` });
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${FLOWS_WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(202);
  }
  await h.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('High CPU Temperature'),
    20_000,
  );
}

/** Top-level messages in the channel whose text includes `needle`. */
export function postsAbout(h: Harness, needle: string): number {
  return h.slack.calls.filter(
    (c) =>
      c.method === 'chat.postMessage' &&
      c.response.ok === true &&
      !c.params.thread_ts &&
      String(c.params.text).includes(needle),
  ).length;
}

/** The scheduled check of `api` failed and raised its alert. */
export async function checkAlerted(h: Harness): Promise<void> {
  await h.slack.waitForCall(
    (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
    20_000,
  );
}
