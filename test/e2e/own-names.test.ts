import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/deploys/messages.js';
import { answer as answerOf, deployLog, deployMessage, idOf, recordingDeploy } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { redisClient } from '../support/redis.js';

/**
 * Names that are members of every plain object: looked up on one, `environments[name]` finds Object.prototype's
 * function instead of nothing (`/ops deploy api 1.2.3 to constructor` once ran the deploy script with no approval).
 */
const HOSTILE = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-names-'));
  h = await startHarness({
    opsYml: `
roles:
  responder: ["*"]
  deployer: [U0ALICE, U0ADMIN]
  approver: [U0BOB]
  admin: [U0ADMIN]
services:
  api:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        staging: {}
        production: { approval: { from: approver } }
incidents:
  severities: { sev1: {}, sev2: {} }
`,
  });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const answer = (userId: string, text: string) => answerOf(h, userId, text);

/** What a refusal or a usage error says: never a stack trace, a reference or a success. */
const REFUSED =
  /There is no service|has no environment|No service deploys to|No service|is not a severity|names are lowercase|is not a valid|expected lowercase letters|Usage/;

describe('names that are members of Object.prototype', () => {
  it('are "no such …" to every command that takes a name, and nothing runs', async () => {
    for (const name of HOSTILE) {
      const commands: Array<[string, string]> = [
        [USERS.alice, `deploy ${name} 1.2.3`],
        [USERS.alice, `deploy api 1.2.3 to ${name}`],
        [USERS.alice, `rollback ${name}`],
        [USERS.alice, `rollback api ${name}`],
        [USERS.alice, `deploys ${name}`],
        [USERS.alice, `deploys api ${name}`],
        [USERS.alice, `lock ${name} production migrating`],
        [USERS.alice, `lock api ${name} migrating`],
        [USERS.alice, `unlock api ${name}`],
        [USERS.admin, `freeze ${name} 1h release week`],
        [USERS.admin, `unfreeze ${name}`],
        [USERS.alice, `status ${name}`],
        [USERS.alice, `incident declare ${name} Database down`],
      ];
      for (const [userId, text] of commands) {
        const said = await answer(userId, text);
        expect(said, `/ops ${text}`).toMatch(REFUSED);
        expect(said, `/ops ${text}`).not.toMatch(/Requested|Locked|frozen until|Declared|E-[0-9A-F]{6}/);
      }
    }
    // Nothing ran, nothing was recorded, nothing is held.
    expect(deployLog(dir)).toEqual([]);
    const redis = redisClient();
    const keys = await redis.keys(`${h.prefix}:deploys:*`);
    redis.disconnect();
    expect(keys.filter((key) => /lock|freeze|deploy:\d/.test(key))).toEqual([]);
    const audit = await h.opsdeck.audit.latest(500);
    expect(audit.filter((entry) => entry.outcome === 'ok')).toEqual([]);
  });

  it('are refused in the declare modal’s severity and service', async () => {
    for (const name of HOSTILE) {
      const before = h.slack.calls.length;
      await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'incident' });
      const opened = await h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && c.method === 'views.open');
      const viewId = (opened.response.view as { id: string }).id;
      const select = (value: string) => ({ type: 'static_select', selected_option: { value } });
      const submitted = await h.slack.sendViewSubmission({
        userId: USERS.alice,
        viewId,
        values: { title: { title: `Hostile ${name}` }, severity: { severity: select(name) } },
      });
      expect(submitted.body).toMatchObject({ response_action: 'errors', errors: { severity: expect.any(String) } });
      const service = await h.slack.sendViewSubmission({
        userId: USERS.alice,
        viewId,
        values: {
          title: { title: `Hostile ${name}` },
          severity: { severity: select('sev2') },
          service: { service: select(name) },
        },
      });
      expect(service.body).toMatchObject({ response_action: 'errors', errors: { service: expect.any(String) } });
    }
    expect([...h.slack.state.channels.values()].filter((c) => c.name.includes('hostile'))).toEqual([]);
  });

  it('are no deploy to the deploy buttons', async () => {
    const requested = await answer(USERS.alice, 'deploy api 1.2.3 to production');
    const id = idOf(requested);
    const message = await deployMessage(h, id, 'awaiting-approval');
    for (const name of HOSTILE) {
      for (const actionId of [ACTIONS.approve, ACTIONS.reject]) {
        await h.slack.sendBlockAction({
          userId: USERS.bob,
          channelId: CHANNEL,
          messageTs: message.ts,
          actionId,
          value: name,
        });
      }
    }
    // Every click was answered; the real request still waits, and nothing was deployed.
    await vi.waitFor(() =>
      expect(h.slack.calls.filter((c) => c.method === 'response_url').length).toBeGreaterThanOrEqual(HOSTILE.length),
    );
    await deployMessage(h, id, 'awaiting-approval');
    expect(deployLog(dir)).toEqual([]);
  });
});
