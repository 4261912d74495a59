import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedCall } from '../../src/workspace/server.js';
import type { WorkspaceMessage } from '../../src/workspace/state.js';
import { deployMessage, recordingDeploy } from '../support/deploys.js';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';
import {
  answerIn as answer,
  CHANNEL,
  type Harness,
  startHarness,
  USERS,
  waitForMessage as waitFor,
} from '../support/harness.js';

let h: Harness;
let pd: FakePagerDuty;
let dir: string;
const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000001';
const WEBHOOK_TOKEN = 'incidents-test-webhook-token';

beforeAll(async () => {
  pd = await startFakePagerDuty();
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-incidents-'));
  h = await startHarness({
    env: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY, WEBHOOK_TOKEN },
    opsYml: `
slack:
  alertsChannel: ${CHANNEL}
  incidentsChannel: ${CHANNEL}
  incidentChannelPrefix: inc
roles:
  responder: [U0ALICE, U0BOB, S0LEADS]
  deployer: [U0ALICE]
  admin: [U0ADMIN]
services:
  api:
    owners: [S0LEADS]
  legacy:
    owners: [S0GONE, U0CAROL]
  web:
    deploy:
      ${recordingDeploy(dir)}
      environments:
        staging: {}
incidents:
  severities:
    sev1: { page: true, announce: true, updateEvery: 2s }
    sev2: { announce: true }
    sev3: {}
  escalation:
    ackWithin: 1s
    levels: [[U0ADMIN, S0LEADS]]
  pagerduty: { routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${pd.url}" }
`,
  });
});
afterAll(async () => {
  await h.close();
  await pd.close();
  rmSync(dir, { recursive: true, force: true });
});

const WAIT = { timeout: 15_000, interval: 20 };

const answerIn = (userId: string, channelId: string, text: string) => answer(h, userId, channelId, text);

const callAfter = (before: number, predicate: (c: RecordedCall) => boolean) =>
  h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && predicate(c), 15_000);

/** Opens the declare modal with `/ops incident` and returns its view id. */
async function openDeclareModal(userId: string): Promise<string> {
  const before = h.slack.calls.length;
  await h.slack.sendCommand({ userId, channelId: CHANNEL, text: 'incident' });
  const opened = await callAfter(before, (c) => c.method === 'views.open');
  expect(opened.response.ok).toBe(true);
  return (opened.response.view as { id: string }).id;
}

const select = (value: string) => ({ type: 'static_select', selected_option: { value } });

/** The channel Opsdeck created for the incident titled `title`, once its card is pinned. */
async function incidentChannel(slug: string) {
  return vi.waitFor(() => {
    const channel = [...h.slack.state.channels.values()].find((c) => c.name.endsWith(slug));
    expect(channel).toBeDefined();
    expect(h.slack.state.pins.get(channel!.id)?.size ?? 0).toBeGreaterThan(0);
    return channel!;
  }, WAIT);
}

function card(channelId: string): WorkspaceMessage {
  const ts = [...(h.slack.state.pins.get(channelId) ?? [])][0]!;
  return h.slack.state.getMessage(channelId, ts)!;
}

const waitForMessage = (channelId: string, pattern: RegExp) => waitFor(h, channelId, pattern);

describe('incidents end to end', () => {
  it('runs an incident from the modal to the postmortem: channel, invites, pinned card, escalation, paging, updates, reminder, resolve', async () => {
    // What changed before: a deploy, which the postmortem lists.
    expect(await answerIn(USERS.alice, CHANNEL, 'deploy web 2.0.0')).toContain('Requested #1');
    await deployMessage(h, '1', 'succeeded');

    const viewId = await openDeclareModal(USERS.alice);
    const submitted = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: {
        title: { title: 'Checkout returns 500s' },
        severity: { severity: select('sev1') },
        service: { service: select('api') },
        description: { description: 'Half of the checkouts fail since 06:10' },
      },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeFalsy();

    const channel = await incidentChannel('-checkout-returns-500s');
    expect(channel.name).toMatch(/^inc-\d{8}-checkout-returns-500s$/);
    // The declarer (commander by default) and the service's owners (a user group, expanded).
    expect(channel.members).toEqual(expect.arrayContaining([USERS.alice, USERS.lead]));
    // Slack shows topics as typed: the commander by name, not `<@U…>`.
    expect(channel.topic.value).toContain('SEV1 · investigating · commander alice');
    const pinned = card(channel.id);
    expect(pinned.text).toMatch(/Incident #\d+: Checkout returns 500s — SEV1, investigating/);
    const id = /#(\d+)/.exec(pinned.text)![1]!;
    await waitForMessage(CHANNEL, new RegExp(`SEV1 incident #${id}: Checkout returns 500s`));

    // Nobody acknowledges within ackWithin: PagerDuty is paged (dedup key: the incident) and level 1 is mentioned.
    const trigger = await pd.waitFor((e) => e.event_action === 'trigger');
    expect(trigger).toMatchObject({
      routing_key: ROUTING_KEY,
      dedup_key: `opsdeck-incident-${id}`,
      payload: { severity: 'critical', summary: '[SEV1] Checkout returns 500s' },
    });
    const escalation = await waitForMessage(channel.id, /escalation level 1/);
    expect(escalation.text).toContain('<@U0ADMIN>');
    expect(escalation.text).toContain('PagerDuty was paged');
    await vi.waitFor(() => expect(h.slack.state.channels.get(channel.id)!.members).toContain(USERS.admin), WAIT);

    // Acknowledge from the card: the button goes, the card says who.
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: channel.id,
      messageTs: pinned.ts,
      actionId: 'incidents:ack',
    });
    await vi.waitFor(() => {
      const fields = JSON.stringify(card(channel.id).blocks);
      expect(fields).toContain('<@U0BOB> after');
      expect(fields).not.toContain('incidents:ack');
    }, WAIT);

    // A status update from the channel: posted there, on the card and in the topic.
    expect(await answerIn(USERS.alice, channel.id, 'incident status identified bad deploy of api 1.4.2')).toBeTruthy();
    await waitForMessage(channel.id, /identified: bad deploy of api 1\.4\.2/);
    await vi.waitFor(() => expect(card(channel.id).text).toContain('SEV1, identified'), WAIT);
    await vi.waitFor(() => expect(h.slack.state.channels.get(channel.id)!.topic.value).toContain('identified'), WAIT);

    // No update for updateEvery (2s): the commander is reminded.
    const reminder = await waitForMessage(channel.id, /no status update on incident/);
    expect(reminder.text).toContain('<@U0ALICE>');

    // Roles, severity and a note from the channel; a pinned message joins the timeline. A role is for people only.
    expect(await answerIn(USERS.alice, channel.id, 'incident lead <@U0NOBODY|ghost>')).toContain('Pick a person');
    expect(await answerIn(USERS.alice, channel.id, 'incident comms <@U0BOB|bob>')).toContain('handles communications');
    // Given a role, bob is invited.
    await vi.waitFor(() => expect(h.slack.state.channels.get(channel.id)!.members).toContain(USERS.bob), WAIT);
    await answerIn(USERS.alice, channel.id, 'incident note rollback of api started');
    // Audited against the incident's channel, which names the incident.
    await vi.waitFor(async () =>
      expect(await h.opsdeck.audit.latest(50)).toContainEqual(
        expect.objectContaining({ actor: USERS.alice, target: `incident-channel/${channel.id}`, outcome: 'ok' }),
      ),
    );
    const evidence = h.slack.state.addMessage({
      channel: channel.id,
      user: USERS.bob,
      text: 'Error rate back to 0.1%',
    });
    await h.slack.pin({ userId: USERS.bob, channelId: channel.id, ts: evidence.ts });
    const graph = h.slack.state.addMessage({ channel: channel.id, user: USERS.lead, text: 'p99 graph attached' });
    await h.slack.react({ userId: USERS.lead, channelId: channel.id, ts: graph.ts, name: 'pushpin' });
    // Pinned and :pushpin:ed both: recorded once.
    await h.slack.react({ userId: USERS.alice, channelId: channel.id, ts: evidence.ts, name: 'pushpin' });
    await vi.waitFor(async () => {
      expect(await answerIn(USERS.alice, channel.id, 'incident timeline')).toContain(
        'Pinned: “Error rate back to 0.1%”',
      );
    }, WAIT);

    // Resolve from the card's button, through its modal.
    const before = h.slack.calls.length;
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: channel.id,
      messageTs: pinned.ts,
      actionId: 'incidents:resolve',
    });
    const opened = await callAfter(before, (c) => c.method === 'views.open');
    const resolved = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: (opened.response.view as { id: string }).id,
      values: { summary: { summary: 'Rolled back api to 1.4.1' } },
    });
    expect(resolved.body).toBeFalsy();
    await pd.waitFor((e) => e.event_action === 'resolve' && e.dedup_key === `opsdeck-incident-${id}`);

    const postmortem = await waitForMessage(channel.id, /^Postmortem draft for incident/);
    const text = JSON.stringify(postmortem.blocks);
    for (const expected of [
      'Rolled back api to 1.4.1',
      'Timeline (UTC)',
      'Declared sev1: Checkout returns 500s',
      'Acknowledged',
      'identified: bad deploy of api 1.4.2',
      // People by name: the draft is read as text, where a mention would show as its id.
      'Commander: @alice',
      'Communications: @bob',
      'Pinned: “Error rate back to 0.1%”',
      'Escalated (level 1), paged PagerDuty',
      'Time to acknowledge: ',
      'Time to resolve: ',
      'deploy #1 of web 2.0.0 to staging: succeeded (@alice)',
      'No flag changes recorded.',
    ]) {
      expect(text).toContain(expected);
    }
    // …and as a Markdown file shared in the channel (Slack's upload flow).
    const file = await vi.waitFor(() => {
      const shared = [...h.slack.state.files.values()].find((f) => f.shares.some((s) => s.channel === channel.id));
      expect(shared?.completed).toBe(true);
      return shared!;
    }, WAIT);
    expect(file.name).toBe(`incident-${id}-postmortem.md`);
    const markdown = file.content!.toString('utf8');
    expect(markdown).toMatch(/^# Postmortem: Checkout returns 500s/);
    expect(markdown).toMatch(
      /## Timeline \(UTC\)\n\n- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC — Declared sev1: Checkout returns 500s \(@alice\)/,
    );
    expect(markdown).toContain('- Time to resolve: ');
    expect(markdown).not.toMatch(/@U0[A-Z]+/);
    // A user group by its handle (usergroups.list), as Slack shows it in messages.
    expect(markdown).toMatch(/Escalated \(level 1\).*: @admin @leads/);
    await vi.waitFor(() => expect(card(channel.id).text).toContain('resolved'), WAIT);
    expect(JSON.stringify(card(channel.id).blocks)).not.toContain('incidents:resolve');

    const metrics = await (await fetch(`${h.opsdeck.url}/metrics`)).text();
    expect(metrics).toMatch(/opsdeck_incident_time_to_resolve_seconds_count\{severity="sev1"\} 1/);
    expect(metrics).toMatch(/opsdeck_incident_time_to_acknowledge_seconds_count\{severity="sev1"\} 1/);
    expect(metrics).toMatch(/opsdeck_incidents_open\{severity="sev1"\} 0/);
    expect(pd.refused).toEqual([]);
  });

  it('refuses a second open incident with the same title, naming the first one’s channel', async () => {
    expect(await answerIn(USERS.alice, CHANNEL, 'incident declare sev3 Login is slow')).toMatch(
      /Declared incident #\d+ \(SEV3\)/,
    );
    const channel = await incidentChannel('-login-is-slow');
    const again = await answerIn(USERS.bob, CHANNEL, 'incident declare 3 login IS slow');
    expect(again).toContain(`<#${channel.id}>`);
    expect(again).toContain('is open already');
    expect([...h.slack.state.channels.values()].filter((c) => c.name.includes('login-is-slow'))).toHaveLength(1);
    const list = await answerIn(USERS.alice, CHANNEL, 'incident list');
    expect(list).toMatch(/open incident/);
    expect(list).toContain(`Login is slow — investigating · commander <@U0ALICE> · <#${channel.id}>`);
    // The Home tab lists it too.
    const before = h.slack.calls.length;
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.bob, channel: 'D0BOB', tab: 'home' });
    const published = await callAfter(before, (c) => c.method === 'views.publish');
    expect(JSON.stringify(published.params.view)).toContain('*Incidents*');
    expect(JSON.stringify(published.params.view)).toContain('Login is slow');
  });

  it('declaring the same title twice at once makes one incident; a raised severity escalates and pages', async () => {
    const answers = await Promise.all(
      [USERS.alice, USERS.bob].map((user) => answerIn(user, CHANNEL, 'incident declare sev3 Search results are empty')),
    );
    expect(answers.filter((a) => a.startsWith(':rotating_light: Declared incident'))).toHaveLength(1);
    expect(answers.filter((a) => a.includes('is open already'))).toHaveLength(1);
    const channel = await incidentChannel('-search-results-are-empty');
    expect([...h.slack.state.channels.values()].filter((c) => c.name.includes('search-results'))).toHaveLength(1);
    const id = /#(\d+)/.exec(card(channel.id).text)![1]!;

    // sev3 does not page; raised to sev1 while nobody acknowledged, it does.
    expect(await answerIn(USERS.alice, channel.id, 'incident sev 1')).toContain(`Incident #${id} is sev1 now.`);
    await pd.waitFor((e) => e.event_action === 'trigger' && e.dedup_key === `opsdeck-incident-${id}`);
    await waitForMessage(channel.id, /Severity sev3 → sev1/);
    await vi.waitFor(() => expect(h.slack.state.channels.get(channel.id)!.topic.value).toMatch(/^SEV1 · /), WAIT);
  });

  it('resumes the channel set-up after Slack failed midway, without a second channel', async () => {
    h.slack.faults.failNext('conversations.invite', { status: 500, times: 3 });
    const before = h.slack.calls.length;
    await answerIn(USERS.alice, CHANNEL, 'incident declare sev3 Flaky invites');
    const channel = await incidentChannel('-flaky-invites');
    const creates = h.slack.calls
      .slice(before)
      .filter((c) => c.method === 'conversations.create' && String(c.params.name).endsWith('flaky-invites'));
    expect(creates).toHaveLength(1);
    expect(
      h.slack.calls.slice(before).filter((c) => c.method === 'conversations.invite' && c.status !== 200).length,
    ).toBe(3);
    expect(channel.members).toContain(USERS.alice);
    expect(h.slack.state.pins.get(channel.id)?.size).toBe(1);
    // Update status to resolved: the text is the summary.
    expect(await answerIn(USERS.alice, channel.id, 'incident status resolved invites work again')).toContain(
      'Resolved incident',
    );
    await waitForMessage(channel.id, /^Postmortem draft for incident/);
  });

  it('adopts the channel Slack made when the answer to conversations.create was lost, instead of making a second', async () => {
    // Slack creates the channel, but the answer never arrives (a timeout, a proxy's 5xx): the retry meets name_taken.
    h.slack.faults.failNext('conversations.create', { status: 503, afterApplying: true });
    const before = h.slack.calls.length;
    await answerIn(USERS.alice, CHANNEL, 'incident declare sev3 Lost answer');
    const channel = await incidentChannel('-lost-answer');
    expect([...h.slack.state.channels.values()].filter((c) => c.name.includes('lost-answer'))).toEqual([channel]);
    const calls = h.slack.calls.slice(before).map((c) => `${c.method} ${c.status}`);
    expect(calls).toContain('conversations.create 503');
    expect(calls).toContain('conversations.list 200');
    expect(channel.members).toContain(USERS.alice);
  });

  it('answers unknown severities, commands outside an incident channel and people without the responder role', async () => {
    expect(await answerIn(USERS.alice, CHANNEL, 'incident declare sev9 Something')).toContain(
      '`sev9` is not a severity (ops.yml has sev1, sev2, sev3)',
    );
    expect(await answerIn(USERS.alice, CHANNEL, 'incident ack')).toContain('in an incident’s channel');
    expect(await answerIn(USERS.alice, CHANNEL, 'incident status fixed done')).toContain(
      'is not a valid state (expected one of investigating, identified, monitoring, resolved)',
    );
    const help = await answerIn(USERS.alice, CHANNEL, 'help incidents');
    for (const usage of [
      'incident declare &lt;severity&gt; &lt;title…&gt;',
      'incident lead &lt;user&gt;',
      'incident timeline',
    ]) {
      expect(help).toContain(usage);
    }
    expect(await answerIn(USERS.carol, CHANNEL, 'incident declare sev3 Carol was here')).toContain('responder');
    expect([...h.slack.state.channels.values()].some((c) => c.name.includes('carol-was-here'))).toBe(false);
  });

  it('sets up the channel even when a service owner group is unknown to Slack, inviting the other owners', async () => {
    const viewId = await openDeclareModal(USERS.alice);
    await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: {
        title: { title: 'Legacy batch stalled' },
        severity: { severity: select('sev3') },
        service: { service: select('legacy') },
      },
    });
    const channel = await incidentChannel('-legacy-batch-stalled');
    expect(channel.members).toEqual(expect.arrayContaining([USERS.alice, USERS.carol]));
  });

  it('keeps the modal open with errors under the fields that are wrong', async () => {
    const viewId = await openDeclareModal(USERS.alice);
    const res = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: { title: { title: '   ' }, severity: { severity: select('sev2') } },
    });
    expect(res.body).toMatchObject({ response_action: 'errors', errors: { title: 'Give the incident a title.' } });
    const long = await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId,
      values: { title: { title: 'x'.repeat(121) }, severity: { severity: select('sev2') } },
    });
    expect(long.body).toMatchObject({ response_action: 'errors', errors: { title: 'At most 120 characters.' } });
    // Slack's user picker offers bots and Slackbot too: neither can lead an incident.
    for (const bot of [h.slack.state.botUserId, 'USLACKBOT', 'U0NOBODY', '<!channel>']) {
      const picked = await h.slack.sendViewSubmission({
        userId: USERS.alice,
        viewId,
        values: {
          title: { title: 'Picked a bot' },
          severity: { severity: select('sev2') },
          commander: { commander: { type: 'users_select', selected_user: bot } },
        },
      });
      expect(picked.body).toMatchObject({
        response_action: 'errors',
        errors: { commander: expect.stringMatching(/person/) },
      });
    }
  });

  it('gives an incident role to people only: Assign role refuses the bot, Slackbot and unknown ids', async () => {
    expect(await answerIn(USERS.alice, CHANNEL, 'incident declare sev3 Role picker check')).toContain('Declared');
    const channel = await incidentChannel('-role-picker-check');
    const before = h.slack.calls.length;
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: channel.id,
      messageTs: card(channel.id).ts,
      actionId: 'incidents:role',
    });
    const opened = await callAfter(before, (c) => c.method === 'views.open');
    const viewId = (opened.response.view as { id: string }).id;
    const assign = (user: string) =>
      h.slack.sendViewSubmission({
        userId: USERS.alice,
        viewId,
        values: { role: { role: select('comms') }, user: { user: { type: 'users_select', selected_user: user } } },
      });
    for (const bot of [h.slack.state.botUserId, 'USLACKBOT', 'U0NOBODY', '<!channel>']) {
      expect(JSON.stringify((await assign(bot)).body)).toContain('Pick a person');
    }
    expect((await assign(USERS.bob)).body).toBeFalsy();
    await vi.waitFor(() => expect(JSON.stringify(card(channel.id).blocks)).toContain('<@U0BOB>'), WAIT);
  });

  it('declares from an alert’s button, prefilled from the alert group, and links the group', async () => {
    const res = await fetch(`${h.opsdeck.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Disk full on db-1',
        status: 'firing',
        severity: 'sev2',
        service: 'api',
        annotations: { description: 'Less than 1% free on /var/lib/postgresql' },
      }),
    });
    expect(res.status).toBe(202);
    const alert = await waitForMessage(CHANNEL, /FIRING \[sev2\] Disk full on db-1/);
    expect(JSON.stringify(alert.blocks)).toContain('incidents:declare-from-alert');

    const before = h.slack.calls.length;
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: CHANNEL,
      messageTs: alert.ts,
      actionId: 'incidents:declare-from-alert',
    });
    const opened = await callAfter(before, (c) => c.method === 'views.open');
    const view = opened.response.view as { id: string; blocks: unknown[] };
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain('"initial_value":"Disk full on db-1"');
    expect(shown).toContain(
      '"initial_option":{"text":{"type":"plain_text","text":"SEV2","emoji":true},"value":"sev2"}',
    );
    expect(shown).toContain('Less than 1% free');
    // Submitted as prefilled.
    expect((await h.slack.sendViewSubmission({ userId: USERS.bob, viewId: view.id })).body).toBeFalsy();
    const channel = await incidentChannel('-disk-full-on-db-1');
    expect(card(channel.id).text).toContain('SEV2');
    expect(JSON.stringify(card(channel.id).blocks)).toContain('Linked: alert group');
  });

  it('declares from a message shortcut, quoting the message', async () => {
    const said = h.slack.state.addMessage({
      channel: CHANNEL,
      user: USERS.lead,
      text: 'Payments webhook is timing out',
    });
    const before = h.slack.calls.length;
    await h.slack.messageShortcut({
      userId: USERS.alice,
      channelId: CHANNEL,
      ts: said.ts,
      callbackId: 'incidents:declare-from-message',
    });
    const opened = await callAfter(before, (c) => c.method === 'views.open');
    const view = opened.response.view as { id: string; blocks: unknown[] };
    expect(JSON.stringify(view.blocks)).toContain(
      `From https://slack.com/archives/${CHANNEL}/p${said.ts.replace('.', '')}`,
    );
    await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: view.id,
      values: { severity: { severity: select('sev3') } },
    });
    const channel = await incidentChannel('-payments-webhook-is-timing-out');
    expect(card(channel.id).text).toContain('Payments webhook is timing out');
  });
});
