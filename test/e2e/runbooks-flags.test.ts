import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer as answerOf } from '../support/deploys.js';
import { FLAGS_ENV, FLAGS_OPS_YML, ofrep, PRODUCTION_TOKEN, STAGING_TOKEN } from '../support/flags.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { runMessage, startRun } from '../support/runbooks.js';

/**
 * A runbook's `flag` step as a kill switch: the flag changes by flags' own rules (flags.role, flags.approval, history,
 * audit) and any OpenFeature SDK sees the new value over OFREP. Dry runs show it and change nothing.
 */
let h: Harness;

beforeAll(async () => {
  const opsYml = `${FLAGS_OPS_YML}
runbooks:
  kill-checkout:
    description: Kill switch for the new checkout
    allow: [responder]
    steps:
      - { name: kill, flag: { key: new-checkout, to: off, in: staging } }
  open-checkout:
    parameters: [{ name: flag, default: new-checkout }]
    steps:
      - { name: open, flag: { key: "{flag}", to: 25%, in: production } }
`;
  h = await startHarness({ opsYml, env: FLAGS_ENV });
});

afterAll(async () => {
  await h.close();
});

const answer = (userId: string, text: string) => answerOf(h, userId, text);

/** What an OFREP client in `token`'s environment gets for new-checkout. */
async function evaluate(token: string): Promise<{ value?: unknown; reason?: string }> {
  const res = await ofrep(
    h.opsdeck.url,
    '/ofrep/v1/evaluate/flags/new-checkout',
    { context: { targetingKey: 'user-1' } },
    { authorization: `Bearer ${token}` },
  );
  expect(res.status).toBe(200);
  return res.body as { value?: unknown; reason?: string };
}

describe('a runbook’s flag step', () => {
  it('turns a flag off (dry run first), seen over OFREP, with flags’ permission, history and audit', async () => {
    expect(await answer(USERS.alice, 'flag create new-checkout New checkout')).toMatch(/^Flag new-checkout/);
    await answer(USERS.alice, 'flag on new-checkout in staging');
    await vi.waitFor(async () => expect(await evaluate(STAGING_TOKEN)).toMatchObject({ value: true }));

    const dry = await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: 'run kill-checkout dry-run',
    });
    expect(JSON.stringify(dry.body)).toContain('flag `new-checkout`: turn off in staging');
    expect(await evaluate(STAGING_TOKEN)).toMatchObject({ value: true });

    // carol may run the runbook (responder) but may not change flags: the runbook is no way around flags.role.
    expect(await answer(USERS.carol, 'run kill-checkout')).toMatch(/need the \*deployer\* role/);
    expect(await evaluate(STAGING_TOKEN)).toMatchObject({ value: true });

    const id = await startRun(h, () => answer(USERS.alice, 'run kill-checkout'));
    const done = await runMessage(h, id, 'succeeded');
    expect(JSON.stringify(done.blocks)).toContain('new-checkout in staging: on · 100% → off');
    await vi.waitFor(async () => expect(await evaluate(STAGING_TOKEN)).toMatchObject({ value: false }));

    const history = await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: 'flag history new-checkout',
    });
    expect(JSON.stringify(history.body)).toContain(
      `turned off in *staging* (on · 100% → off) by <@U0ALICE> — runbook kill-checkout #${id}`,
    );
    const audit = await h.opsdeck.audit.latest(30);
    expect(audit.map((e) => `${e.actor} ${e.action} ${e.target} ${e.outcome}`)).toEqual(
      expect.arrayContaining([
        'U0CAROL runbooks.run kill-checkout denied',
        'U0ALICE flags.off new-checkout/staging ok',
      ]),
    );
    expect(audit.find((e) => e.action === 'flags.off')?.detail).toContain(`runbook kill-checkout #${id}`);
  }, 60_000);

  it('asks for production’s flag approval before the change, and records who approved it', async () => {
    const dry = await h.slack.sendCommand({
      userId: USERS.alice,
      channelId: CHANNEL,
      text: 'run open-checkout dry-run',
    });
    const shown = JSON.stringify(dry.body);
    expect(shown).toContain('open approval*: approval from *approver*');
    expect(shown).toContain('flag `new-checkout`: roll out to 25% in production');

    const id = await startRun(h, () => answer(USERS.alice, 'run open-checkout'));
    const waiting = await runMessage(h, id, 'waiting for approval');
    expect(await evaluate(PRODUCTION_TOKEN)).toMatchObject({ value: false });
    const click = (userId: string) =>
      h.slack.sendBlockAction({ userId, channelId: CHANNEL, messageTs: waiting.ts, actionId: 'runbook_approve' });
    await click(USERS.alice);
    await click(USERS.bob);
    const done = await runMessage(h, id, 'succeeded');
    expect(JSON.stringify(done.blocks)).toContain('approved by <@U0BOB>');
    await vi.waitFor(async () => expect(await evaluate(PRODUCTION_TOKEN)).toMatchObject({ reason: 'SPLIT' }));
    // Counted as runs, step durations by kind, and flag changes: one set of flag metrics for both paths.
    const metrics = await (await fetch(`${h.opsdeck.url}/metrics`)).text();
    expect(metrics).toContain('opsdeck_runbook_runs_total{runbook="open-checkout",outcome="succeeded"} 1');
    expect(metrics).toContain('opsdeck_runbook_step_duration_seconds_count{runbook="open-checkout",kind="flag"} 1');
    expect(metrics).toContain('opsdeck_flag_changes_total{environment="production",operation="rollout"} 1');
    expect(metrics).toContain('opsdeck_flag_changes_total{environment="staging",operation="off"} 1');
    const audit = await h.opsdeck.audit.latest(30);
    expect(audit.find((e) => e.action === 'flags.rollout')).toMatchObject({
      actor: USERS.alice,
      target: 'new-checkout/production',
      detail: expect.stringContaining('approved by U0BOB'),
    });
  }, 60_000);
});
