import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CAPABILITIES } from '../../src/capabilities.js';
import { defineCapability, subcommand } from '../../src/platform/capability.js';
import { args, identifier } from '../../src/platform/grammar/index.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * A throwaway capability, declared here and nowhere else: the platform must route it, check its roles, audit it, list
 * it in help and carry its failures to the user without any other file knowing it exists.
 */
/** What `widget wait` waits for: its handler is still working when Slack's 3 s run out. */
let stopWaiting: () => void = () => {};
const waited = new Promise<void>((resolve) => {
  stopWaiting = resolve;
});

const widgets = defineCapability({
  name: 'widgets',
  title: 'Widgets',
  uses: ['now'],
  build: () => ({
    subcommands: [
      subcommand({
        name: 'widget make',
        summary: 'Make a widget.',
        grammar: args(identifier('name', { description: 'what to call it' })),
        example: 'widget make gizmo',
        role: 'deployer',
        changes: true,
        auditTarget: (a) => `widget/${a.name}`,
        async run(ctx) {
          await ctx.reply({
            text: `Made ${ctx.args.name}`,
            blocks: [
              { type: 'section', text: { type: 'mrkdwn', text: `Made ${ctx.args.name}` } },
              {
                type: 'actions',
                block_id: 'widget',
                elements: ['widget_polish', 'widget_scrap', 'widget_break'].map((id) => ({
                  type: 'button',
                  action_id: id,
                  text: { type: 'plain_text', text: id },
                  value: ctx.args.name,
                })),
              },
            ],
          });
        },
      }),
      subcommand({
        name: 'widget wait',
        summary: 'Answers once the test lets it.',
        grammar: args(),
        changes: false,
        async run(ctx) {
          await waited;
          await ctx.reply({ text: 'Waited', blocks: [] });
        },
      }),
      subcommand({
        name: 'widget explode',
        summary: 'Always fails.',
        grammar: args(),
        changes: false,
        async run() {
          throw new Error('kaboom with a secret inside');
        },
      }),
    ],
    actions: [
      {
        actionId: 'widget_polish',
        role: 'responder',
        changes: true,
        auditTarget: (value) => `widget/${value}`,
        async run(ctx) {
          await ctx.respond({ text: `Polished ${ctx.value}`, blocks: [] }, { replaceOriginal: true });
        },
      },
      { actionId: 'widget_scrap', role: 'admin', changes: true, async run() {} },
      {
        actionId: 'widget_break',
        changes: true,
        async run() {
          throw new Error('the button broke');
        },
      },
    ],
  }),
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ capabilities: [...CAPABILITIES, widgets] });
});
afterAll(() => h.close());

const ops = (userId: string, text: string) => h.slack.sendCommand({ userId, channelId: CHANNEL, text });
const replyTo = (responseUrl: string) =>
  h.slack.waitForCall((c) => c.method === 'response_url' && c.path === new URL(responseUrl).pathname);
/** The router writes a change's entry once the handler returns, which may be just after the user saw its reply. */
const expectAudited = (entry: Record<string, unknown>) =>
  vi.waitFor(async () => expect(await h.opsdeck.audit.latest(50)).toContainEqual(expect.objectContaining(entry)));

describe('a capability declared in a test', () => {
  it('is listed in help, grouped under its title, with usage derived from its grammar', async () => {
    const help = (await ops(USERS.carol, 'help')).body as { text: string; blocks: unknown[] };
    expect(help.text).toContain('/ops widget make &lt;name&gt;');
    expect(JSON.stringify(help.blocks)).toContain('*Widgets*');

    const one = (await ops(USERS.carol, 'help widget make')).body as { text: string; blocks: unknown[] };
    expect(one.text).toBe('/ops widget make &lt;name&gt;');
    const shown = JSON.stringify(one.blocks);
    expect(shown).toContain('what to call it');
    expect(shown).toContain('Needs the *deployer* role');
    expect(shown).toContain('Example: `/ops widget make gizmo`');
  });

  it('suggests the subcommand a typo was near', async () => {
    const res = (await ops(USERS.carol, 'wigdet make x')).body as { text: string };
    expect(res.text).toContain('`wigdet` is not an /ops subcommand. Did you mean `widget`?');
  });

  it('refuses a caller without the declared role before the handler runs, and audits the refusal', async () => {
    const res = await ops(USERS.carol, 'widget make gizmo');
    const reply = await replyTo(res.responseUrl);
    expect(reply.params.text).toBe('You need the *deployer* role for that.');
    await expectAudited({
      actor: USERS.carol,
      action: 'widgets.make',
      target: 'widget/gizmo',
      outcome: 'denied',
    });
    const metrics = await fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/opsdeck_commands_total\{command="widget make",outcome="denied"\} 1/);
  });

  it('runs the handler for a caller with the role and audits the change', async () => {
    const res = await ops(USERS.alice, 'widget make gizmo');
    const reply = await replyTo(res.responseUrl);
    expect(reply.params.text).toBe('Made gizmo');
    await expectAudited({ actor: USERS.alice, action: 'widgets.make', target: 'widget/gizmo', outcome: 'ok' });
  });

  it('answers bad arguments with the usage, counted under the subcommand', async () => {
    const res = (await ops(USERS.alice, 'widget make --all')).body as { text: string };
    expect(res.text).toContain('/ops widget make &lt;name&gt;');
    const metrics = await fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/opsdeck_commands_total\{command="widget make",outcome="usage_error"\} 1/);
  });

  it('tells the user about an unexpected failure with a reference that is also in the log, never the error', async () => {
    const res = (await ops(USERS.carol, 'widget explode')).body as { text: string };
    expect(res.text).toMatch(/reference E-[0-9A-F]{6}/);
    expect(res.text).not.toContain('kaboom');
  });

  it('acknowledges a command still working when Slack would give up, and answers through the response_url', async () => {
    const res = await ops(USERS.carol, 'widget wait');
    expect(res.status).toBe(200);
    stopWaiting();
    expect((await replyTo(res.responseUrl)).params.text).toBe('Waited');
  });
});

describe('its buttons', () => {
  async function madeWidget(): Promise<string> {
    const res = await ops(USERS.alice, 'widget make sprocket');
    const reply = await replyTo(res.responseUrl);
    const message = [...h.slack.state.messages.values()].flat().find((m) => m.text === reply.params.text);
    return message!.ts;
  }
  const click = async (userId: string, actionId: string) =>
    h.slack.sendBlockAction({
      userId,
      channelId: CHANNEL,
      messageTs: await madeWidget(),
      actionId,
      blockId: 'widget',
      value: 'sprocket',
    });

  it('run for anyone holding the role, and the change is audited', async () => {
    const res = await click(USERS.carol, 'widget_polish');
    expect(res.status).toBe(200);
    const polished = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.params.text === 'Polished sprocket',
    );
    expect(polished.params.replace_original).toBe(true);
    await expectAudited({
      actor: USERS.carol,
      action: 'widgets.polish',
      target: 'widget/sprocket',
      outcome: 'ok',
    });
  });

  it('tell a clicker without the role so, and audit the refusal', async () => {
    await click(USERS.alice, 'widget_scrap');
    const denied = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.params.text === 'You need the *admin* role for that.',
    );
    expect(denied.params.response_type).toBe('ephemeral');
    await expectAudited({ actor: USERS.alice, action: 'widgets.scrap', outcome: 'denied' });
  });

  it('carry an unexpected failure to the clicker with a reference, audited as failed with the same reference', async () => {
    await click(USERS.carol, 'widget_break');
    const failed = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && /reference E-[0-9A-F]{6}/.test(String(c.params.text)),
    );
    const reference = /E-[0-9A-F]{6}/.exec(String(failed.params.text))![0];
    expect(String(failed.params.text)).not.toContain('the button broke');
    await expectAudited({ action: 'widgets.break', outcome: 'failed', detail: `reference ${reference}` });
  });
});
