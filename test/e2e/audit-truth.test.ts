import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ACTIONS } from '../../src/deploys/messages.js';
import type { AuditEntry } from '../../src/platform/audit-log.js';
import { answer as answerOf, deployMessage, idOf, recordingDeploy } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

const TOKEN = 'audit-truth-webhook-token';
let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-audit-'));
  h = await startHarness({
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: `
slack: { alertsChannel: ${CHANNEL} }
roles:
  responder: ["*"]
  deployer: [U0ALICE]
  approver: [U0BOB]
services:
  api:
    deploy:
      ${recordingDeploy(dir)}
      environments:
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

/** Waits for an audit entry like `expected`, and returns the log as it is then. */
async function audited(expected: Partial<AuditEntry>): Promise<AuditEntry[]> {
  return vi.waitFor(
    async () => {
      const entries = await h.opsdeck.audit.latest(100);
      expect(entries).toContainEqual(expect.objectContaining(expected));
      return entries;
    },
    { timeout: 10_000, interval: 20 },
  );
}

describe('a truthful audit log', () => {
  it('records a change that changed nothing as noop, with what the user was told', async () => {
    expect(await answer(USERS.alice, 'unlock api production')).toContain('api/production was not locked.');
    await audited({
      actor: USERS.alice,
      action: 'deploys.unlock',
      outcome: 'noop',
      detail: 'api/production was not locked.',
    });

    const res = await fetch(`${h.opsdeck.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Audit truth', status: 'firing' }),
    });
    expect(res.status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Audit truth'),
      15_000,
    );
    const ts = (post.response as { ts: string }).ts;
    await h.slack.sendBlockAction({ userId: USERS.alice, channelId: CHANNEL, messageTs: ts, actionId: 'alerts_ack' });
    await audited({ actor: USERS.alice, action: 'alerts.acknowledge', outcome: 'ok' });
    // The button is gone from the message once acknowledged: a second click is the stale one a slow client sends.
    const message = h.slack.state.getMessage(CHANNEL, ts)!;
    h.slack.state.addMessage({
      channel: CHANNEL,
      user: USERS.lead,
      text: 'stale copy',
      blocks: post.params.blocks as never,
    });
    const stale = h.slack.state.visibleMessages(CHANNEL, USERS.bob).find((m) => m.text === 'stale copy')!;
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: stale.ts,
      actionId: 'alerts_ack',
    });
    await audited({ actor: USERS.bob, action: 'alerts.acknowledge', outcome: 'noop' });
    expect(message.text).toContain('Audit truth');
  });

  it('records a form answered with field errors as invalid input, not ok', async () => {
    const before = h.slack.calls.length;
    await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'incident' });
    const opened = await h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && c.method === 'views.open');
    const res = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: (opened.response.view as { id: string }).id,
      values: {
        title: { title: '   ' },
        severity: { severity: { type: 'static_select', selected_option: { value: 'sev2' } } },
      },
    });
    expect(res.body).toMatchObject({ response_action: 'errors' });
    const entries = await audited({ actor: USERS.alice, action: 'incidents.declare', outcome: 'invalid' });
    expect(entries.filter((e) => e.action === 'incidents.declare' && e.outcome === 'ok')).toEqual([]);
  });

  it('refuses a button value Opsdeck never made, before any handler, and never stores it as it came', async () => {
    const id = idOf(await answer(USERS.alice, 'deploy api 1.2.3 to production'));
    const message = await deployMessage(h, id, 'awaiting-approval');
    for (const actionId of [ACTIONS.approve, ACTIONS.reject]) {
      await h.slack.sendBlockAction({
        userId: USERS.bob,
        channelId: CHANNEL,
        messageTs: message.ts,
        actionId,
        value: `${id}\n• forged entry <@U0ADMIN>`,
      });
    }
    const entries = await audited({ actor: USERS.bob, outcome: 'invalid', target: ACTIONS.reject });
    expect(JSON.stringify(entries)).not.toContain('forged');
    await deployMessage(h, id, 'awaiting-approval');
    // Every action name follows <capability>.<verb>.
    for (const entry of entries) expect(entry.action).toMatch(/^[a-z]+\.[a-z][a-z0-9-]*$/);
  });
});
