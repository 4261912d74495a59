import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { repoRoot } from '../support/repo.js';
import { recordingStep, stepsLog } from '../support/runbooks.js';

/**
 * Runbooks with `auto: true` started by the alerts that name them, through Alertmanager's real webhook payloads: once
 * per firing however many identical deliveries arrive, again when the group resolves and fires again, with the
 * runbook's approval still asked for, and the progress in the alert message's thread.
 */
let h: Harness;
const TOKEN = 'runbooks-auto-webhook-token-0123456789';
let dir: string;
const log = () => stepsLog(dir);

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/alertmanager', name), 'utf8')) as {
    groupKey: string;
    alerts: Array<{
      labels: Record<string, string>;
      annotations: Record<string, string>;
      startsAt: string;
      endsAt?: string;
    }>;
  };

/**
 * Alertmanager's firing (or resolved) delivery, its group named `alertname` and its alerts naming `runbook`. Resolved:
 * resolved.json's envelope and alert fields around both of firing.json's alerts (the whole group resolves).
 */
function delivery(status: 'firing' | 'resolved', alertname: string, runbook: string, startsAt?: string) {
  const body = fixture(`${status}.json`);
  const resolved = status === 'resolved' ? fixture('resolved.json').alerts[0] : undefined;
  return JSON.stringify({
    ...body,
    groupKey: `{}:{alertname="${alertname}"}`,
    commonLabels: { alertname, service: 'api' },
    alerts: fixture('firing.json').alerts.map((a) => ({
      ...a,
      ...(resolved && { status: 'resolved', endsAt: resolved.endsAt }),
      labels: { ...a.labels, alertname, service: 'api' },
      annotations: { ...a.annotations, runbook },
      ...(startsAt && { startsAt }),
    })),
  });
}

async function send(body: string): Promise<void> {
  const res = await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body,
  });
  expect(res.status).toBe(202);
}

/** Waits until every delivery is ingested and every firing it announced is processed. */
async function drained(): Promise<void> {
  for (const name of ['alerts-ingest', 'alerts-runbook-firing']) {
    await vi.waitFor(
      async () => {
        const counts = await h.opsdeck.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
        expect(Object.values(counts).every((n) => n === 0)).toBe(true);
      },
      { timeout: 30_000, interval: 50 },
    );
  }
}

function alertMessage(alertname: string): Promise<WorkspaceMessage> {
  return vi.waitFor(
    () => {
      const found = (h.slack.state.messages.get(CHANNEL) ?? []).find((m) => !m.threadTs && m.text.includes(alertname));
      expect(found).toBeDefined();
      return found!;
    },
    { timeout: 20_000 },
  );
}

/** Progress messages of runs of `runbook` in the alert's thread. */
const runsIn = (alert: WorkspaceMessage, runbook: string) =>
  h.slack.state.replies(CHANNEL, alert.ts).filter((m) => new RegExp(`^Runbook ${runbook} on api #\\d+: `).test(m.text));

function runsSay(alert: WorkspaceMessage, runbook: string, statuses: string[]): Promise<WorkspaceMessage[]> {
  return vi.waitFor(
    () => {
      const runs = runsIn(alert, runbook);
      expect(runs.map((m) => m.text.replace(/^.*#\d+: /, ''))).toEqual(statuses);
      return runs;
    },
    { timeout: 30_000, interval: 50 },
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-runbooks-auto-'));
  const opsYml = `${TEST_OPS_YML}
services:
  api:
    channel: ${CHANNEL}
    runbooks: [heal, gated, manual]
# Each test's group posts a message of its own (related groups of one service would share the first one's thread).
alerts:
  relate: false
runbooks:
  heal:
    description: Restarts the API when its alert fires
    auto: true
    parameters:
      - { name: mode, choices: [soft, hard], default: soft }
    steps:
      - { name: restart, ${recordingStep(dir, ['heal', '{service}', '{mode}'])} }
  gated:
    auto: true
    approval: { from: approver }
    steps:
      - { name: restart, ${recordingStep(dir, ['gated', '{service}'])} }
  manual:
    steps:
      - { name: restart, ${recordingStep(dir, ['manual', '{service}'])} }
`;
  h = await startHarness({ opsYml, env: { WEBHOOK_TOKEN: TOKEN } });
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runbooks started by alerts (auto: true)', () => {
  it('starts once per firing under 20 identical deliveries, and again when the group resolves and fires again', async () => {
    const firing = delivery('firing', 'HealMe', 'heal');
    await Promise.all(Array.from({ length: 20 }, () => send(firing)));
    const alert = await alertMessage('HealMe');
    await runsSay(alert, 'heal', ['succeeded']);
    await drained();
    // Every delivery is in: still one run, whose step ran once.
    expect(runsIn(alert, 'heal')).toHaveLength(1);
    expect(log()).toEqual(['heal api soft']);
    const [run] = runsIn(alert, 'heal');
    expect(JSON.stringify(run!.blocks)).toContain('started by an alert');

    await send(delivery('resolved', 'HealMe', 'heal'));
    await vi.waitFor(
      () => expect(h.slack.state.replies(CHANNEL, alert.ts).some((m) => m.text.includes('Resolved'))).toBe(true),
      { timeout: 20_000 },
    );
    // Firing again (a new start: Alertmanager's alert fired anew) is a new firing: a second run, same thread.
    const again = delivery('firing', 'HealMe', 'heal', '2020-02-06T01:00:00.000Z');
    await Promise.all(Array.from({ length: 5 }, () => send(again)));
    await runsSay(alert, 'heal', ['succeeded', 'succeeded']);
    await drained();
    expect(log()).toEqual(['heal api soft', 'heal api soft']);

    const audit = await h.opsdeck.audit.latest(50);
    const auto = audit.filter((e) => e.action === 'runbooks.run' && e.target === 'heal/api');
    expect(auto.map((e) => `${e.actor} ${e.outcome}`)).toEqual(['opsdeck:alertmanager ok', 'opsdeck:alertmanager ok']);
  }, 120_000);

  it('waits for the runbook’s approval before running anything', async () => {
    await send(delivery('firing', 'GateMe', 'gated'));
    const alert = await alertMessage('GateMe');
    const [waiting] = await runsSay(alert, 'gated', ['waiting for approval']);
    expect(log()).not.toContain('gated api');
    // Home says which runbooks alerts start, and shows the run waiting.
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.carol, channel: 'D0CAROL', tab: 'home' });
    const home = await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.carol);
    const shown = JSON.stringify(home.params.view);
    expect(shown).toContain('3 in ops.yml (2 started by the alerts that name them)');
    expect(shown).toMatch(/Runbook gated on api #\d+\*: waiting for approval \(started by an alert\)/);
    // The requester is Opsdeck, so any approver may approve; a deployer may not.
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: waiting!.ts,
      actionId: 'runbook_approve',
    });
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: waiting!.ts,
      actionId: 'runbook_approve',
    });
    const [done] = await runsSay(alert, 'gated', ['succeeded']);
    expect(JSON.stringify(done!.blocks)).toContain('approved by <@U0BOB>');
    expect(log().filter((line) => line.startsWith('gated'))).toEqual(['gated api']);
  }, 60_000);

  it('leaves a runbook without auto to the alert’s Run button', async () => {
    await send(delivery('firing', 'JustShow', 'manual'));
    const alert = await alertMessage('JustShow');
    expect(JSON.stringify(alert.blocks)).toContain('"text":"Run manual"');
    await drained();
    expect(runsIn(alert, 'manual')).toEqual([]);
    expect(log().filter((line) => line.startsWith('manual'))).toEqual([]);
  }, 60_000);
});
