import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const ops = (userId: string, text: string) => h.slack.sendCommand({ userId, channelId: CHANNEL, text });
const replyTo = (responseUrl: string) =>
  h.slack.waitForCall((c) => c.method === 'response_url' && c.path === new URL(responseUrl).pathname);

describe('/ops help and the grammar', () => {
  it('lists every subcommand with its usage, ephemerally', async () => {
    const res = await ops(USERS.carol, 'help');
    expect(res.status).toBe(200);
    const body = res.body as { response_type: string; text: string; blocks: unknown[] };
    expect(body.response_type).toBe('ephemeral');
    // `text` is mrkdwn too: `<n>` is escaped there as in the blocks (unescaped it would be a link).
    for (const usage of ['/ops help', '/ops ping', '/ops audit [&lt;n&gt;]']) expect(body.text).toContain(usage);
    // A keyword's value is named for what it is: `over <duration>`, never `over <over>`.
    expect(body.text).toContain('[over &lt;duration&gt;]');
    expect(body.text).not.toMatch(/\[(\w+) &lt;\1&gt;\]/);
    expect(body.blocks.length).toBeGreaterThan(0);
  });

  it('says what was wrong and shows the usage for unknown subcommands and bad arguments', async () => {
    const unknown = (await ops(USERS.carol, 'frobnicate')).body as { text: string; response_type: string };
    expect(unknown.response_type).toBe('ephemeral');
    expect(unknown.text).toContain('`frobnicate` is not an /ops subcommand');
    expect(unknown.text).toContain('/ops ping');

    // A near miss names what was meant and shows its usage alone, not every command's.
    const near = (await ops(USERS.carol, 'stauts')).body as { text: string; blocks: unknown[] };
    expect(near.text).toContain('`stauts` is not an /ops subcommand. Did you mean `status`?');
    expect(near.text).toContain('/ops status');
    expect(near.text).not.toContain('/ops ping');
    expect(near.text.split('\n').length).toBeLessThan(8);

    const bad = (await ops(USERS.admin, 'audit many')).body as { text: string };
    expect(bad.text).toContain('`many` is not a valid n (expected a whole number from 1 to 50)');
    expect(bad.text).toContain('/ops audit [&lt;n&gt;]');
  });

  it('answers hostile text with usage, never an error (S6)', async () => {
    for (const text of ['$(reboot)', 'ping; rm -rf /', 'audit --all', '\u0000', 'x'.repeat(10_000), 'ü🙂 ping']) {
      const res = await ops(USERS.carol, text);
      expect(res.status).toBe(200);
      expect((res.body as { text: string }).text).toMatch(/Usage/);
    }
  });
});

describe('a burst of commands', () => {
  it('answers each one at once with its own reply, the helps sent among them too', async () => {
    // Each one is acknowledged with its own answer, none left to the empty fallback ack (command-route.ts).
    const sent = Array.from({ length: 30 }, (_, i) => ops(USERS.carol, i % 5 === 4 ? 'help' : 'ping'));
    const answers = await Promise.all(sent);
    for (const [i, res] of answers.entries()) {
      expect(res.status).toBe(200);
      const body = res.body as { response_type: string; text: string };
      expect(body.response_type).toBe('ephemeral');
      if (i % 5 === 4) expect(body.text).toContain('/ops ping');
      else expect(body.text).toBe('Pinging the workers…');
    }
    const pings = answers.filter((_, i) => i % 5 !== 4);
    for (const reply of await Promise.all(pings.map((res) => replyTo(res.responseUrl))))
      expect(reply.params.text).toContain(`Pong from worker ${h.opsdeck.workerId}`);
  });
});

describe('permissions and the audit log', () => {
  it('refuses /ops audit to a non-admin, naming the role, and audits the refusal', async () => {
    const res = await ops(USERS.alice, 'audit');
    expect(res.status).toBe(200);
    const reply = await replyTo(res.responseUrl);
    expect(reply.params.text).toBe('You need the *admin* role for that.');
    const [latest] = await h.opsdeck.audit.latest(1);
    expect(latest).toMatchObject({
      actor: USERS.alice,
      action: 'audit.view',
      outcome: 'denied',
      detail: 'needs role admin',
    });
  });

  it('shows admins the latest entries, newest first', async () => {
    // Carol's refusal is audited before she is told; her reply arriving means the entry is there to be read.
    const denied = await ops(USERS.carol, 'audit');
    expect((await replyTo(denied.responseUrl)).params.text).toBe('You need the *admin* role for that.');
    const res = await ops(USERS.admin, 'audit 2');
    const reply = await replyTo(res.responseUrl);
    expect(reply.params.text).toBe('Latest 2 audit entries');
    const text = JSON.stringify(reply.params.blocks);
    expect(text).toContain(`<@${USERS.carol}>`);
    expect(text).toContain('audit.view');
  });

  it('grants a role through a Slack user group, resolved with usergroups.users.list', async () => {
    const res = await ops(USERS.lead, 'audit 1');
    const reply = await replyTo(res.responseUrl);
    expect(reply.params.text).toBe('Latest 1 audit entries');
    expect(h.slack.calls.some((c) => c.method === 'usergroups.users.list' && c.params.usergroup === 'S0ADMINS')).toBe(
      true,
    );
  });

  it('keeps the audit chain intact across all of the above (O1)', async () => {
    const verification = await h.opsdeck.audit.verify();
    expect(verification.ok).toBe(true);
    expect(verification.count).toBeGreaterThanOrEqual(2);
  });
});

describe('the Home tab', () => {
  it('is published with every subcommand when a user opens it', async () => {
    const res = await h.slack.sendEvent({
      type: 'app_home_opened',
      user: USERS.carol,
      channel: 'D0CAROL',
      tab: 'home',
    });
    expect(res.status).toBe(200);
    const publish = await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.carol);
    expect(publish.response.ok).toBe(true);
    const text = JSON.stringify(publish.params.view);
    // mrkdwn escapes < and > even inside code spans.
    for (const usage of ['/ops help', '/ops ping', '/ops audit [&lt;n&gt;]']) expect(text).toContain(usage);
    // Health, alerts, incidents and deploys lead; the bot's own tools (ping, audit) come last.
    const order = [
      'No services are declared',
      'No open alert groups',
      '*Incidents*',
      '*Runbooks*',
      '*Ping*',
      '*Audit*',
    ].map((shown) => text.indexOf(shown));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
