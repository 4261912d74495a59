import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer } from '../support/deploys.js';
import { CHANNEL, type Harness, startHarness, TEST_OPS_YML, USERS } from '../support/harness.js';
import { repoRoot } from '../support/repo.js';
import { recordingStep, refusalAudited, runMessage, runMessages, startRun, stepsLog } from '../support/runbooks.js';

/**
 * Runbooks through the Slack-compatible server: parameters checked before anything runs, dry runs, the parameters
 * modal, an approval gate in the middle of a run (four-eyes, role at click time), Cancel, output in the thread.
 */
let h: Harness;
const TOKEN = 'runbooks-webhook-token-0123456789';
let dir: string;
const log = () => stepsLog(dir);
const release = () => writeFileSync(join(dir, 'release'), '');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-runbooks-'));
  const opsYml = `${TEST_OPS_YML}
services:
  api:
    channel: ${CHANNEL}
    runbooks: [restart]
  web:
    channel: ${CHANNEL}
  db:
    channel: ${CHANNEL}
runbooks:
  restart:
    description: Restart the API workers, with a lead's go-ahead before the restart
    allow: [deployer, approver]
    parameters:
      - { name: mode, choices: [soft, hard], default: soft }
      - { name: reason, description: Why (one word) }
    steps:
      - { name: drain, ${recordingStep(dir, ['drain', '{service}', '{mode}', '{reason}'])} }
      - { name: go-ahead, approve: { from: approver } }
      - { name: restart, ${recordingStep(dir, ['restart', '{service}'])} }
  notify:
    description: Records the alert's service
    steps:
      - { name: record, ${recordingStep(dir, ['alert', '{service}'])} }
  hold:
    description: Holds until released (for Cancel)
    concurrent: false
    steps:
      - { name: hold, ${recordingStep(dir, ['hold', '{service}'], { HOLD_UNTIL: join(dir, 'release') })} }
      - { name: after, ${recordingStep(dir, ['after'])} }
  gated:
    description: Waits for a go-ahead (holds its lock meanwhile)
    steps:
      - { name: go-ahead, approve: { from: approver } }
  ask:
    description: Asks why, then waits for a go-ahead (holds its lock meanwhile)
    parameters:
      - { name: why, description: Why (one word) }
    steps:
      - { name: go-ahead, approve: { from: approver } }
`;
  h = await startHarness({ opsYml, env: { WEBHOOK_TOKEN: TOKEN } });
});

afterAll(async () => {
  release();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * `/ops <text>` as alice, acked with "Starting …": the refusal the start job found, answered through the command's
 * response_url.
 */
async function refusalOf(text: string): Promise<string> {
  const res = await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text });
  expect(JSON.stringify(res.body)).toContain('Starting runbook');
  const refused = await h.slack.waitForCall(
    (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    15_000,
  );
  return String(refused.params.text);
}

/**
 * An Alertmanager alert on `service` whose annotation names `runbook`; its message in the channel, with the button.
 * (Another alert of that service firing meanwhile would take it in its thread.)
 */
async function postAlert(alertname: string, runbook: string, service: string) {
  const firing = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/alertmanager/firing.json'), 'utf8'));
  const body = {
    ...firing,
    groupKey: `{}:{alertname="${alertname}"}`,
    alerts: firing.alerts.map((a: { labels: object; annotations: object }) => ({
      ...a,
      labels: { ...a.labels, alertname, service },
      annotations: { ...a.annotations, runbook },
    })),
  };
  const res = await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return vi.waitFor(() => {
    const found = (h.slack.state.messages.get(CHANNEL) ?? []).find((m) => !m.threadTs && m.text.includes(alertname));
    expect(JSON.stringify(found?.blocks)).toContain(`"text":"Run ${runbook}"`);
    return found!;
  });
}

/**
 * Clicks the alert's Run button as alice, `times` at once; returns what the clicks were answered so far (the texts sent
 * to their response_urls), to ask again while waiting.
 */
async function clickRun(alert: { ts: string }, times = 1): Promise<() => string[]> {
  const before = h.slack.calls.length;
  const click = () =>
    h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: alert.ts,
      actionId: 'runbooks:run-from-alert',
    });
  await Promise.all(Array.from({ length: times }, click));
  return () =>
    h.slack.calls
      .slice(before)
      .filter((c) => c.method === 'response_url')
      .map((c) => String(c.params.text));
}

/** Cancels run `id` (as alice) from its progress message, and waits until it says so. */
async function cancelRun(id: string, ts: string) {
  await h.slack.sendBlockAction({ userId: USERS.alice, channelId: CHANNEL, messageTs: ts, actionId: 'runbook_cancel' });
  await runMessage(h, id, 'cancelled');
}

describe('runbooks', () => {
  it('lists and searches runbooks with their steps and who may run them', async () => {
    const all = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'runbooks' });
    const text = JSON.stringify(all.body);
    expect(text).toContain('restart');
    expect(text).toContain('drain → go-ahead → restart');
    expect(text).toContain('who: deployer');
    const found = JSON.stringify(
      (await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'runbooks release' })).body,
    );
    expect(found).toContain('hold');
    expect(found).not.toContain('go-ahead');
  });

  it('refuses hostile parameters before anything runs', async () => {
    const hostile = [
      'run restart api reason=a;reboot',
      'run restart api reason=$(reboot)',
      'run restart api reason="$(rm -rf /)"',
      'run restart api reason=--force',
      `run restart api reason=${'x'.repeat(300)}`,
      'run restart api reason=ok mode=medium',
      'run restart api reason=ok color=red',
    ];
    for (const text of hostile) {
      const reply = await answer(h, USERS.alice, text);
      expect(reply, text).toMatch(/Nothing was run|not a valid|unexpected|may not start/);
    }
    const newline = await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: 'run restart api reason=a\nreboot',
    });
    expect(JSON.stringify(newline.body)).toMatch(/line break/);
    expect(log()).toEqual([]);
    expect(runMessages(h)).toEqual([]);
  });

  it('refuses whoever is not allowed to run it', async () => {
    const reply = await answer(h, USERS.carol, 'run restart api reason=test');
    expect(reply).toMatch(/need the \*deployer\* role/);
    expect(log()).toEqual([]);
  });

  it('shows a dry run with the argv as it would run, and runs nothing', async () => {
    const reply = await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: 'run restart reason=check mode=hard dry-run',
    });
    const text = JSON.stringify(reply.body);
    expect(text).toContain('nothing was run');
    // The service is the only one listing the runbook; each value is one argv element.
    const shown = (reply.body as { blocks: Array<{ text?: { text: string } }> }).blocks
      .map((b) => b.text?.text)
      .join('\n');
    expect(shown).toContain('`["node","test/fixtures/runbooks/record-step.mjs","drain","api","hard","check"]`');
    expect(shown).toContain('approval from *approver*');
    expect(log()).toEqual([]);
    expect(runMessages(h)).toEqual([]);
  });

  it('asks for missing parameters in a modal, with errors on its fields', async () => {
    const before = h.slack.calls.length;
    await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'run restart api mode=hard dry-run' });
    const opened = await vi.waitFor(() => {
      const call = h.slack.calls.slice(before).find((c) => c.method === 'views.open');
      expect(call).toBeDefined();
      return call!;
    });
    expect(opened.response.ok).toBe(true);
    const viewId = (opened.response.view as { id: string }).id;
    const bad = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: { param_reason: { value: 'two words' } },
    });
    expect(JSON.stringify(bad.body)).toContain('param_reason');
    // The dry run's plan is told by the start job, after the ack: with Slack holding every ephemeral, the modal still
    // closes at once.
    const hold = h.slack.faults.hold('chat.postEphemeral');
    const good = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: { param_reason: { value: 'modal' } },
    });
    expect(good.status).toBe(200);
    expect(JSON.stringify(good.body ?? {})).not.toContain('errors');
    hold.release();
    await vi.waitFor(() => {
      const ephemeral = (h.slack.state.messages.get(CHANNEL) ?? []).find(
        (m) => m.ephemeralFor === USERS.alice && /Dry run/.test(m.text),
      );
      expect(ephemeral).toBeDefined();
    });
    expect(log()).toEqual([]);
  });

  it('runs three steps with an approval gate in the middle: self-approval and the wrong role refused', async () => {
    // lead may run it and is an approver: only the four-eyes rule keeps them from approving their own run.
    const id = await startRun(h, () => answer(h, USERS.lead, 'run restart api mode=hard reason=deadlock'));
    const waiting = await runMessage(h, id, 'waiting for approval');
    expect(log()).toEqual(['drain api hard deadlock']);
    expect(JSON.stringify(waiting.blocks)).toMatch(/drain\* done in/);

    const click = (userId: string, actionId: string) =>
      h.slack.sendBlockAction({ userId, channelId: CHANNEL, messageTs: waiting.ts, actionId });
    const clickAnswer = async (userId: string) => {
      const before = h.slack.calls.length;
      await click(userId, 'runbook_approve');
      const answered = await h.slack.waitForCall(
        (c) => h.slack.calls.indexOf(c) >= before && c.method === 'response_url',
      );
      return String(answered.params.text);
    };
    expect(await clickAnswer(USERS.lead)).toContain('cannot approve your own');
    expect(await clickAnswer(USERS.carol)).toContain('*approver* role');
    expect(log()).toEqual(['drain api hard deadlock']);

    await click(USERS.bob, 'runbook_approve');
    const done = await runMessage(h, id, 'succeeded');
    expect(log()).toEqual(['drain api hard deadlock', 'restart api']);
    const shown = JSON.stringify(done.blocks);
    expect(shown).toContain('approved by <@U0BOB>');
    expect(shown).toMatch(/restart\* done in/);
    // The output of each command is a reply in the progress message's thread.
    await vi.waitFor(() => {
      const replies = (h.slack.state.messages.get(CHANNEL) ?? []).filter((m) => m.threadTs === done.ts);
      expect(replies.map((m) => m.text)).toEqual(expect.arrayContaining(['Output of drain', 'Output of restart']));
    });
    const audit = await h.opsdeck.audit.latest(20);
    expect(audit.map((e) => `${e.action} ${e.outcome}`)).toEqual(
      expect.arrayContaining(['runbooks.run ok', 'runbooks.approve denied', 'runbooks.approve ok']),
    );
  });

  it('cancels a running step (its process stopped) and skips the rest; one run at a time per runbook and service', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'run hold api'));
    await vi.waitFor(() => expect(log()).toContain('hold api'));
    const running = await runMessage(h, id, 'running');
    expect(await refusalOf('run hold api')).toMatch(new RegExp(`already running: #${id}, running`));
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: running.ts,
      actionId: 'runbook_cancel',
    });
    const cancelled = await runMessage(h, id, 'cancelled');
    const shown = JSON.stringify(cancelled.blocks);
    expect(shown).toMatch(/hold\* cancelled/);
    expect(shown).toMatch(/after\* skipped/);
    // The step ended once its process closed: killed, it can no longer say it was released, and `after` never ran.
    release();
    expect(log().filter((line) => line.startsWith('hold') || line === 'after')).toEqual(['hold api']);
    // The lock is free again.
    expect(await answer(h, USERS.alice, 'run hold web')).toMatch(/^Starting runbook hold on web/);
  });

  it('answers a second run of a runbook another run holds through the response_url, and starts nothing', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'run gated'));
    const waiting = await runMessage(h, id, 'waiting for approval');
    const others = () => runMessages(h).filter((m) => /^Runbook gated /.test(m.text));
    expect(await refusalOf('run gated')).toMatch(new RegExp(`gated is already running: #${id}, waiting`));
    expect(others()).toHaveLength(1);
    await refusalAudited(h, 'runbooks.run', `already running: #${id},`);
    await cancelRun(id, waiting.ts);
    expect(others()).toHaveLength(1);
  });

  it('offers a Run button on an alert naming a runbook, and runs it in the alert’s thread', async () => {
    const alert = await postAlert('Notify', 'notify', 'api');
    await clickRun(alert);
    const done = await vi.waitFor(
      () => {
        const run = h.slack.state.replies(CHANNEL, alert.ts).find((m) => /^Runbook notify on api #\d+: /.test(m.text));
        expect(run?.text).toMatch(/: succeeded$/);
        return run!;
      },
      { timeout: 20_000 },
    );
    expect(done.threadTs).toBe(alert.ts);
    expect(log()).toContain('alert api');
  });

  it('starts one run for a double click on an alert’s Run button, and tells the second click where it is', async () => {
    // `notify` is over in a moment: its lock is free again before a second click's start, so only the click counts.
    const alert = await postAlert('NotifyTwice', 'notify', 'db');
    const answers = await clickRun(alert, 2);
    await vi.waitFor(
      () => {
        expect(answers()).toHaveLength(2);
        expect(answers()).toContainEqual(expect.stringMatching(/^Starting runbook notify on db…/));
        expect(answers()).toContainEqual(
          "notify was started from this alert moments ago: its progress is in the alert's thread.",
        );
        const runs = h.slack.state
          .replies(CHANNEL, alert.ts)
          .filter((m) => /^Runbook notify on db #\d+: /.test(m.text));
        expect(runs.map((m) => m.text.replace(/^.*#\d+: /, ''))).toEqual(['succeeded']);
      },
      { timeout: 20_000 },
    );
    await refusalAudited(h, 'runbooks.run', 'started from this alert moments ago');
    // The refused click enqueued nothing: the one run is all there is.
    expect(log().filter((line) => line === 'alert db')).toHaveLength(1);
  });

  it('answers a Run button click on an alert whose runbook another run holds through the click’s response_url', async () => {
    const id = await startRun(h, () => answer(h, USERS.alice, 'run gated web'));
    const waiting = await runMessage(h, id, 'waiting for approval');
    const alert = await postAlert('Gated', 'gated', 'web');
    const answers = await clickRun(alert);
    // Acked at once; the start job's refusal comes through the same response_url (either may land first).
    await vi.waitFor(
      () => {
        expect(answers()).toContainEqual(
          expect.stringMatching(/^Starting runbook gated on web…: its progress will be in the alert's thread/),
        );
        expect(answers()).toContainEqual(
          expect.stringMatching(new RegExp(`gated on web is already running: #${id}, waiting`)),
        );
      },
      { timeout: 15_000 },
    );
    await refusalAudited(h, 'runbooks.run', `already running: #${id},`);
    expect(runMessages(h).filter((m) => /^Runbook gated on web /.test(m.text))).toHaveLength(1);
    expect(h.slack.state.replies(CHANNEL, alert.ts).filter((m) => /^Runbook gated/.test(m.text))).toEqual([]);
    await cancelRun(id, waiting.ts);
  });

  it('answers a second run asked for through the parameters modal with an ephemeral message in its channel', async () => {
    const { id, waiting, viewId } = await secondAskOpensItsModal();
    const submitted = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: { param_why: { value: 'second' } },
    });
    expect(submitted.status).toBe(200);
    // The modal closed on the ack (no errors): the refusal is the start job's.
    expect(JSON.stringify(submitted.body ?? '')).not.toContain('errors');
    const refusal = await vi.waitFor(
      () => {
        const found = (h.slack.state.messages.get(CHANNEL) ?? []).find(
          (m) => m.ephemeralFor === USERS.alice && /^ask is already running/.test(m.text),
        );
        expect(found).toBeDefined();
        return found!;
      },
      { timeout: 15_000 },
    );
    expect(refusal.text).toMatch(new RegExp(`already running: #${id}, waiting`));
    await refusalAudited(h, 'runbooks.run', `already running: #${id},`);
    expect(runMessages(h).filter((m) => /^Runbook ask /.test(m.text))).toHaveLength(1);
    await cancelRun(id, waiting.ts);
  });

  it('tells the asker by direct message when the modal’s refusal cannot be shown in the channel', async () => {
    const { id, waiting, viewId } = await secondAskOpensItsModal();
    // alice leaves the channel with the modal open: Slack refuses an ephemeral message for someone not in it.
    const channel = h.slack.state.channels.get(CHANNEL)!;
    const members = [...channel.members];
    channel.members = members.filter((m) => m !== USERS.alice);
    try {
      await h.slack.sendViewSubmission({ userId: USERS.alice, viewId, values: { param_why: { value: 'second' } } });
      const dm = await vi.waitFor(() => {
        const im = [...h.slack.state.channels.values()].find((c) => c.isIm && c.members.includes(USERS.alice));
        const found = (h.slack.state.messages.get(im?.id ?? '') ?? []).find((m) =>
          /^ask is already running/.test(m.text),
        );
        expect(found).toBeDefined();
        return found!;
      });
      expect(dm.text).toMatch(new RegExp(`already running: #${id}, waiting`));
      expect(
        h.slack.calls.some((c) => c.method === 'chat.postEphemeral' && c.response.error === 'user_not_in_channel'),
      ).toBe(true);
    } finally {
      channel.members = members;
    }
    await cancelRun(id, waiting.ts);
  });
});

/** A run of `ask` waiting for approval, and a second `/ops run ask` whose parameters modal is open. */
async function secondAskOpensItsModal() {
  const id = await startRun(h, () => answer(h, USERS.alice, 'run ask why=first'));
  const waiting = await runMessage(h, id, 'waiting for approval');
  const before = h.slack.calls.length;
  await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'run ask' });
  const opened = await vi.waitFor(() => {
    const call = h.slack.calls.slice(before).find((c) => c.method === 'views.open');
    expect(call?.response.ok).toBe(true);
    return call!;
  });
  return { id, waiting, viewId: (opened.response.view as { id: string }).id };
}
