import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedCall } from '../../src/workspace/server.js';
import { recordingDeploy } from '../support/deploys.js';
import { answerIn, CHANNEL, type Harness, startHarness, USERS, waitForMessage as waitFor } from '../support/harness.js';

/**
 * Text from people and webhooks never pings, disguises a link or forges an entry: every command, button, modal,
 * webhook and shortcut below carries hostile text, and every Web API call and response Opsdeck made — blocks, `text`
 * (what notifications show), topics and views — is checked for broadcasts, group pings and links Opsdeck did not
 * build.
 */

const TOKEN = 'hostile-text-webhook-token-0123';
/** The one group ping ops.yml configures (an alert route's `mention:`). */
const CONFIGURED_GROUP = 'S0ONCALL';
const EVIL = 'https://evil.example';
const ALERTMANAGER = 'http://alertmanager.test:9093';

let h: Harness;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-hostile-'));
  h = await startHarness({
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: `
slack:
  alertsChannel: ${CHANNEL}
  incidentsChannel: ${CHANNEL}
  incidentChannelPrefix: inc
roles:
  responder: ["*"]
  deployer: [U0ALICE, U0BOB]
  approver: [U0BOB]
  admin: [U0ADMIN]
services:
  api:
    deploy:
      ${recordingDeploy(dir)}
      versionPattern: ".+"
      environments:
        production: {}
alerts:
  alertmanagerUrl: ${ALERTMANAGER}
  routes:
    - match: { severity: page }
      channel: ${CHANNEL}
      mention: [${CONFIGURED_GROUP}]
incidents:
  severities:
    sev1: { announce: true }
    sev2: {}
`,
  });
});
afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const WAIT = { timeout: 15_000, interval: 20 };

/** What Slack would show from a call: message text and blocks, topics, views; as one string per call. */
function shownBy(call: RecordedCall): string | undefined {
  const p = call.params as Record<string, unknown>;
  switch (call.method) {
    case 'chat.postMessage':
    case 'chat.postEphemeral':
    case 'chat.update':
    case 'response_url':
      return JSON.stringify({ text: p.text, blocks: p.blocks });
    case 'conversations.setTopic':
      return String(p.topic);
    case 'views.open':
    case 'views.update':
    case 'views.push':
    case 'views.publish':
      // What a person typed into an input stays editable text there; everything else in a view is shown.
      return JSON.stringify(p.view, (key, value: unknown) => (key === 'initial_value' ? undefined : value));
    default:
      return undefined;
  }
}

const BROADCAST = /<!(?:channel|here|everyone)\b/;
/** A plain `@here` word: Slack links it where it links names; Opsdeck disarms it with a word joiner after the `@`. */
const BROADCAST_WORD = /(?<![\w\u2060])@(?:channel|here|everyone)\b/i;
const GROUP_PING = /<!subteam\^([A-Z0-9]+)/g;
const LINK = /<(https?:\/\/[^|>]+)(?:\|([^>]*))?>/g;
/** Labels of the links Opsdeck builds, and the addresses it builds them to. */
const OUR_LABELS = [':book: Runbook', ':mag: Source', ':bell: Alertmanager', 'Follow the deploy'];
const OUR_ADDRESSES = ['https://slack.com/archives/', ALERTMANAGER];

/** Every problem in what Opsdeck sent to the Slack-compatible server since call `from`. */
function problemsSince(from: number): string[] {
  const problems: string[] = [];
  for (const call of h.slack.calls.slice(from)) {
    const shown = shownBy(call);
    if (shown === undefined) continue;
    // JSON escapes `<` nowhere, but a quote or backslash inside a label is escaped: read the raw form.
    const where = `${call.method}: ${shown.slice(0, 300)}`;
    if (BROADCAST.test(shown)) problems.push(`broadcast in ${where}`);
    if (BROADCAST_WORD.test(shown)) problems.push(`broadcast word in ${where}`);
    for (const [, group] of shown.matchAll(GROUP_PING)) {
      if (group !== CONFIGURED_GROUP) problems.push(`group ping ${group} in ${where}`);
    }
    for (const [, url, label = ''] of shown.matchAll(LINK)) {
      // Opsdeck's own addresses and labels, or a sender's link labelled with where it really goes.
      const ours =
        OUR_ADDRESSES.some((prefix) => url!.startsWith(prefix)) ||
        OUR_LABELS.includes(label) ||
        label.endsWith(`(${new URL(url!).host})`);
      if (!ours) problems.push(`link ${url} (${label}) in ${where}`);
    }
    if (call.method === 'conversations.setTopic' && /<[@#!]/.test(shown)) problems.push(`markup in topic ${shown}`);
  }
  return problems;
}

const ops = (userId: string, channelId: string, text: string) => answerIn(h, userId, channelId, text);

const callAfter = (before: number, predicate: (c: RecordedCall) => boolean) =>
  h.slack.waitForCall((c) => h.slack.calls.indexOf(c) >= before && predicate(c), 15_000);

const webhook = (path: string, body: unknown) =>
  fetch(`${h.opsdeck.url}/webhooks/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

const waitForMessage = (channelId: string, pattern: RegExp) => waitFor(h, channelId, pattern);

/** The channel of the incident whose topic ends with `title`, once its card is pinned. */
const incidentChannel = (title: string) =>
  vi.waitFor(() => {
    const channel = [...h.slack.state.channels.values()].find((c) => c.topic.value.endsWith(title));
    expect(channel).toBeDefined();
    expect(h.slack.state.pins.get(channel!.id)?.size ?? 0).toBeGreaterThan(0);
    expect(channel!.topic.value).not.toBe('');
    return channel!;
  }, WAIT);

describe('hostile text through every surface', () => {
  it('finding 1: /ops incident declare with @channel <!here> <!everyone> pings nobody, in text, blocks or topic', async () => {
    const from = h.slack.calls.length;
    // As the issue typed it: the workspace turns `@channel` into `<!channel>`, as Slack does for an escaped command.
    const answer = await ops(USERS.alice, CHANNEL, 'incident declare sev1 @channel <!here> <!everyone> db down');
    expect(answer).toContain('Declared incident');
    const channel = await incidentChannel('db down');
    const announce = await waitForMessage(CHANNEL, /SEV1 incident #\d+: .*db down/);
    // The words stay readable; only their power is gone.
    expect(announce.text).toMatch(/@\u2060channel @\u2060here @\u2060everyone db down/);
    expect(channel.topic.value).toBe(
      'SEV1 · investigating · commander alice · @\u2060channel @\u2060here @\u2060everyone db down',
    );
    expect(problemsSince(from)).toEqual([]);
  });

  it('a typed &lt;!channel&gt;, a group and a link stay text; a mention the grammar parsed stays a mention', async () => {
    const from = h.slack.calls.length;
    await ops(USERS.alice, CHANNEL, 'incident declare sev2 Queue stuck');
    const channel = await incidentChannel('Queue stuck');
    // Slack sends a typed `<` as `&lt;`: it must not come back as markup.
    await ops(
      USERS.alice,
      channel.id,
      `incident note &lt;!channel&gt; &lt;@${USERS.admin}&gt; <!subteam^S0EVIL|@admins> <${EVIL}|Click to approve> thanks <@${USERS.bob}|bob>`,
    );
    const note = await waitForMessage(channel.id, /Note: /);
    expect(note.text).toContain('&lt;!channel&gt; &lt;@U0ADMIN&gt; @admins Click to approve (https://evil.example)');
    expect(note.text).toContain(`thanks <@${USERS.bob}>`);
    expect(problemsSince(from)).toEqual([]);
  });

  it('finding 4: a multi-line status update stays one quoted entry; the postmortem file escapes Markdown', async () => {
    await ops(USERS.alice, CHANNEL, 'incident declare sev2 Cache cold');
    const channel = await incidentChannel('Cache cold');
    const [cardTs] = [...(h.slack.state.pins.get(channel.id) ?? [])];
    const from = h.slack.calls.length;
    const forged = `all good\n• 2026-01-01 00:00:00 UTC — Acknowledged (<@${USERS.admin}>)\n## Response times\n- Time to resolve: 1s <!channel>`;
    await h.slack.sendBlockAction({
      userId: USERS.bob,
      channelId: channel.id,
      messageTs: cardTs!,
      actionId: 'incidents:status',
    });
    const opened = await callAfter(from, (c) => c.method === 'views.open');
    const submitted = await h.slack.sendViewSubmission({
      userId: USERS.bob,
      viewId: (opened.response.view as { id: string }).id,
      values: {
        state: { state: { type: 'static_select', selected_option: { value: 'identified' } } },
        text: { text: forged },
      },
    });
    expect(submitted.body).toBeFalsy();
    const update = await waitForMessage(channel.id, /^Status update on/);
    expect(update.text).not.toContain(`<@${USERS.admin}>`);

    const timeline = await ops(USERS.alice, channel.id, 'incident timeline');
    const lines = JSON.parse(timeline.slice(timeline.indexOf('\n') + 1)) as { text?: { text: string } }[];
    const shown = lines.flatMap((block) => (block.text ? block.text.text.split('\n') : []));
    // Every line is an entry of its own (`• <time> — …`, the time a date token), a heading, or a quoted line of the
    // entry before it.
    for (const line of shown.slice(1)) expect(line).toMatch(/^(• <!date\^\d+\^[^|>]+\|[^>]+> — |> |>$)/);
    expect(shown.filter((line) => line.startsWith('•'))).toHaveLength(2);
    expect(shown).toContain(`> • 2026-01-01 00:00:00 UTC — Acknowledged (&lt;@${USERS.admin}&gt;)`);
    expect(shown).toContain('> ## Response times');

    await ops(USERS.bob, channel.id, 'incident resolve fixed');
    const file = await vi.waitFor(() => {
      const shared = [...h.slack.state.files.values()].find((f) => f.shares.some((s) => s.channel === channel.id));
      expect(shared?.completed).toBe(true);
      return shared!;
    }, WAIT);
    const markdown = file.content!.toString('utf8');
    expect(markdown.match(/^## Response times$/gm)).toHaveLength(1);
    expect(markdown).toContain('  > • 2026-01-01 00:00:00 UTC — Acknowledged (\\<@U0ADMIN\\>)');
    expect(markdown).toContain('  > \\- Time to resolve: 1s \\<!channel\\>');
    expect(markdown).toContain('  > \\#\\# Response times');
    expect(markdown).not.toMatch(/^- 2026-01-01/m);
    expect(problemsSince(from)).toEqual([]);
  });

  it('finding 1: a generic webhook’s title and severity neither ping nor disguise a link', async () => {
    const from = h.slack.calls.length;
    const res = await webhook('generic', {
      title: `<!channel> Disk full <${EVIL}|Click to approve>`,
      status: 'firing',
      severity: '<!here>',
      annotations: { summary: '@everyone <!subteam^S0EVIL> look', description: `<${EVIL}|runbook>` },
      labels: { team: '<!everyone>' },
      links: [{ title: '<!channel> dashboard', url: `${EVIL}/dash` }],
    });
    expect(res.status).toBe(202);
    const post = await callAfter(
      from,
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Disk full'),
    );
    expect(post.params.text).toBe(
      `FIRING [&lt;!here&gt;] &lt;!channel&gt; Disk full &lt;${EVIL}|Click to approve&gt; — 1 firing, 0 resolved`,
    );
    // The sender's own link shows where it goes beside its (escaped) title.
    expect(JSON.stringify(post.params.blocks)).toContain(`<${EVIL}/dash|&lt;!channel&gt; dashboard (evil.example)>`);
    expect(problemsSince(from)).toEqual([]);
  });

  it('Alertmanager and Grafana annotations and labels stay text; the configured group is the only ping', async () => {
    const from = h.slack.calls.length;
    const firing = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8')) as {
      alerts: Record<string, unknown>[];
    };
    const alert = {
      ...firing.alerts[0],
      labels: { alertname: '<!channel> HostDown', severity: 'page', instance: '@here' },
      annotations: { summary: `<!everyone> <${EVIL}|approve>`, description: '&lt;!here&gt; *urgent*' },
    };
    expect(
      (await webhook('alertmanager', { ...firing, groupKey: '{}:{alertname="hostile"}', alerts: [alert] })).status,
    ).toBe(202);
    const post = await callAfter(
      from,
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('HostDown'),
    );
    expect(JSON.stringify(post.params.blocks)).toContain(`<!subteam^${CONFIGURED_GROUP}>`);

    const grafana = JSON.parse(readFileSync('test/fixtures/grafana/webhook-firing-v11.json', 'utf8')) as {
      alerts: Record<string, unknown>[];
    };
    const gAlert = {
      ...grafana.alerts[0],
      labels: { alertname: '<!here> Grafana hostile', severity: '<!subteam^S0EVIL>' },
      annotations: { summary: `@channel <${EVIL}|login>` },
    };
    expect((await webhook('grafana', { ...grafana, groupKey: 'hostile-grafana', alerts: [gAlert] })).status).toBe(202);
    const gPost = await callAfter(
      from,
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Grafana hostile'),
    );

    // Buttons on the hostile group: Acknowledge edits the message, still clean.
    await h.slack.sendBlockAction({
      userId: USERS.alice,
      channelId: CHANNEL,
      messageTs: (post.response as { ts: string }).ts,
      actionId: 'alerts_ack',
    });
    await callAfter(from, (c) => c.method === 'chat.update' && String(c.params.text).includes('HostDown'));
    expect(gPost.params.text).not.toMatch(/<!/);
    expect(problemsSince(from)).toEqual([]);
  });

  it('the Declare incident button and the message shortcut carry hostile titles into plain text and escaped posts', async () => {
    const from = h.slack.calls.length;
    const hostile = h.slack.state.addMessage({
      channel: CHANNEL,
      user: USERS.carol,
      text: `&lt;!channel&gt; <!here> payments down <${EVIL}|status page> ping <!subteam^S0EVIL|@all>`,
    });
    await h.slack.messageShortcut({
      userId: USERS.alice,
      channelId: CHANNEL,
      ts: hostile.ts,
      callbackId: 'incidents:declare-from-message',
    });
    const opened = await callAfter(from, (c) => c.method === 'views.open');
    const view = opened.params.view as { blocks: { block_id: string; element?: { initial_value?: string } }[] };
    const title = view.blocks.find((b) => b.block_id === 'title')!.element!.initial_value!;
    // The form shows the message as plain text: what the reader saw, no markup.
    expect(title).toBe('<!channel> @here payments down status page ping @all');
    await h.slack.sendViewSubmission({
      userId: USERS.alice,
      viewId: (opened.response.view as { id: string }).id,
      values: {
        title: { title },
        severity: { severity: { type: 'static_select', selected_option: { value: 'sev1' } } },
      },
    });
    const channel = await incidentChannel('payments down status page ping @all');
    // Slack shows topics as typed: the title is plain text, what the markup in it meant, pinging nobody.
    expect(channel.topic.value).toContain('@\u2060channel @\u2060here payments down');
    expect(problemsSince(from)).toEqual([]);
  });

  it('lock and freeze reasons and loose versions show as text in the refusals other people see', async () => {
    const from = h.slack.calls.length;
    await ops(USERS.alice, CHANNEL, `lock api production <!channel> *migrating* <${EVIL}|see plan>`);
    const refusal = await ops(USERS.bob, CHANNEL, 'deploy api <!here>1.2 to production');
    expect(refusal).toContain('is locked by <@U0ALICE>: @\u2060channel *migrating* see plan (https://evil.example)');
    await ops(USERS.alice, CHANNEL, 'unlock api production');
    await ops(USERS.admin, CHANNEL, 'freeze production 1h @everyone <!subteam^S0EVIL|@sre> said so');
    const frozen = await ops(USERS.bob, CHANNEL, 'deploy api 1.2.3 to production');
    expect(frozen).toContain('@\u2060everyone @sre said so');
    await ops(USERS.admin, CHANNEL, 'unfreeze production');
    const queued = await ops(USERS.bob, CHANNEL, 'deploy api v1&lt;!channel&gt; to production');
    expect(queued).toContain('deploy of api v1&lt;!channel&gt; to production');
    expect(problemsSince(from)).toEqual([]);
  });

  it('/ops audit shows targets and details as plain text, people by name and times as date tokens', async () => {
    await ops(USERS.alice, CHANNEL, 'incident declare sev2 *bold* `code` :fire: _it_');
    // The entry is appended once the handler returns, which may be just after its answer.
    const shown = await vi.waitFor(async () => {
      const answer = await ops(USERS.admin, CHANNEL, 'audit 5');
      expect(answer).toContain(':fire:');
      return answer;
    }, WAIT);
    const blocks = JSON.parse(shown.slice(shown.indexOf('\n') + 1)) as {
      fields?: { type: string; text: string; emoji?: boolean }[];
    }[];
    const fields = blocks.flatMap((block) => block.fields ?? []);
    const target = fields.find((field) => field.text.includes(':fire:'))!;
    expect(target).toMatchObject({ type: 'plain_text', emoji: false });
    expect(target.text).toContain('incident/*bold* `code` :fire: _it_');
    const when = fields[fields.indexOf(target) - 1]!;
    expect(when.type).toBe('mrkdwn');
    expect(when.text).toMatch(/<!date\^\d+\^\{date_short\} \{time_secs\}\|\d{4}-\d\d-\d\d \d\d:\d\d UTC> <@U0ALICE>/);
  });
});
