import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../support/repo.js';
import { useWorkspace } from './fixture.js';

const SECRET = 'interaction-secret';
const BOT_TOKEN = 'xoxb-interactions';

const fixture = (name: string) => readFileSync(fixturePath(`slack/${name}`), 'utf8');
const fixtureJson = (name: string) => JSON.parse(fixture(name)) as Record<string, unknown>;
const plain = (text: string) => ({ type: 'plain_text' as const, text });
const modalView = {
  type: 'modal',
  callback_id: 'deploy',
  title: plain('Deploy'),
  submit: plain('Deploy'),
  private_metadata: 'svc=api',
  blocks: [
    {
      type: 'input',
      block_id: 'reason',
      label: plain('Reason'),
      element: { type: 'plain_text_input', action_id: 'text', initial_value: 'hotfix' },
    },
    {
      type: 'input',
      block_id: 'env',
      label: plain('Environment'),
      element: {
        type: 'static_select',
        action_id: 'pick',
        options: [{ text: plain('Production'), value: 'prod' }],
      },
    },
  ],
};

const ws = useWorkspace(SECRET, BOT_TOKEN);

async function openModal(userId = 'U1') {
  const { triggerId } = await ws.server.sendCommand({ userId, channelId: 'C1', text: 'deploy' });
  const opened = await ws.client.views.open({ trigger_id: triggerId, view: modalView as never });
  return opened.view?.id as string;
}

describe('signed requests to the bot', () => {
  it('sends slash commands shaped like Slack, signed so the bot can verify them', async () => {
    const res = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'deploy api prod' });
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeGreaterThanOrEqual(0);
    const [req] = ws.bot.requests;
    expect(req?.verified).toBe(true);
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req?.parsed).toMatchObject({
      command: '/ops',
      text: 'deploy api prod',
      user_id: 'U1',
      user_name: 'alice',
      channel_id: 'C1',
      channel_name: 'ops',
      team_id: 'T0OPSDECK1',
      response_url: res.responseUrl,
      trigger_id: res.triggerId,
    });
    expect(res.responseUrl.startsWith(`${ws.server.url}/response/`)).toBe(true);
    // Every field of Slack's own example is there (enterprise_* only exist on Enterprise Grid).
    const upstream = Object.keys(Object.fromEntries(new URLSearchParams(fixture('slash-command.form-urlencoded.txt'))));
    const expected = upstream.filter((k) => !k.startsWith('enterprise_'));
    expect(Object.keys(req?.parsed ?? {})).toEqual(expect.arrayContaining(expected));
  });

  it('records a command ack body as the immediate reply: ephemeral by default, in_channel on request', async () => {
    ws.bot.reply(() => ({ body: 'Working on it…' }));
    await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'status' });
    ws.bot.reply(() => ({ body: { response_type: 'in_channel', text: 'All green', blocks: [] } }));
    await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'status' });
    const messages = ws.server.state.visibleMessages('C1', 'U1');
    expect(messages.map((m) => [m.text, m.ephemeralFor])).toEqual([
      ['Working on it…', 'U1'],
      ['All green', undefined],
    ]);
    expect(ws.server.state.visibleMessages('C1', 'U2').map((m) => m.text)).toEqual(['All green']);
  });

  it('does not apply an ack Slack would refuse, and says so', async () => {
    const rejected = new Promise((resolve) => ws.server.events.once('ack_rejected', resolve));
    ws.bot.reply(() => ({ body: { text: 'x', blocks: [{ type: 'header', text: plain('h'.repeat(151)) }] } }));
    await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'x' });
    await expect(rejected).resolves.toMatchObject({ kind: 'command', error: 'invalid_blocks' });
    expect(ws.server.state.visibleMessages('C1', 'U1')).toHaveLength(0);
  });

  it('lets a trigger_id open one modal within 3 seconds', async () => {
    const first = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'a' });
    const opened = await ws.client.views.open({ trigger_id: first.triggerId, view: modalView as never });
    expect(opened.view).toMatchObject({ type: 'modal', callback_id: 'deploy', private_metadata: 'svc=api' });
    expect((opened.view?.state as { values?: unknown } | undefined)?.values).toEqual({
      reason: { text: { type: 'plain_text_input', value: 'hotfix' } },
      env: { pick: { type: 'static_select', selected_option: null } },
    });
    const again = await ws.client.views.open({ trigger_id: first.triggerId, view: modalView as never }).catch((e) => e);
    expect(again.data.error).toBe('exchanged_trigger_id');

    const late = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'b' });
    ws.clock += 3001;
    const expired = await ws.client.views
      .open({ trigger_id: late.triggerId, view: modalView as never })
      .catch((e) => e);
    expect(expired.data.error).toBe('expired_trigger_id');
    const bogus = await ws.client.views.open({ trigger_id: '1.2.3', view: modalView as never }).catch((e) => e);
    expect(bogus.data.error).toBe('invalid_trigger_id');
  });

  it('refuses invalid views without using up the trigger', async () => {
    const { triggerId } = await ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'a' });
    const long = { ...modalView, title: plain('A title far longer than 24') };
    const bad = await ws.client.views.open({ trigger_id: triggerId, view: long as never }).catch((e) => e);
    expect(bad.data.error).toBe('invalid_arguments');
    expect(bad.data.response_metadata.messages[0]).toContain('/view/title/text');
    await expect(ws.client.views.open({ trigger_id: triggerId, view: modalView as never })).resolves.toMatchObject({
      ok: true,
    });
  });

  it('sends block_actions with the message, shaped like block-actions-with-message.json', async () => {
    const posted = await ws.client.chat.postMessage({
      channel: 'C1',
      text: 'Approve?',
      blocks: [
        {
          type: 'actions',
          block_id: 'approval',
          elements: [
            { type: 'button', action_id: 'approve', text: plain('Approve'), value: 'dep-1' },
            {
              type: 'static_select',
              action_id: 'env',
              options: [{ text: plain('Production'), value: 'prod' }],
            },
          ],
        },
      ],
    });
    const ts = posted.ts as string;
    await ws.server.sendBlockAction({ userId: 'U2', channelId: 'C1', messageTs: ts, actionId: 'approve' });
    await ws.server.sendBlockAction({
      userId: 'U2',
      channelId: 'C1',
      messageTs: ts,
      actionId: 'env',
      selectedOption: { value: 'prod' },
    });
    const [click, select] = ws.bot.requests;
    expect(click?.verified).toBe(true);
    expect(Object.keys(click?.parsed ?? {})).toEqual(
      expect.arrayContaining(Object.keys(fixtureJson('block-actions-with-message.json'))),
    );
    expect(click?.parsed).toMatchObject({
      type: 'block_actions',
      user: { id: 'U2', name: 'bob' },
      container: { type: 'message', message_ts: ts, channel_id: 'C1', is_ephemeral: false },
      channel: { id: 'C1', name: 'ops' },
      message: { ts, text: 'Approve?', bot_id: 'B0OPSBOT01' },
      actions: [{ type: 'button', action_id: 'approve', block_id: 'approval', value: 'dep-1', text: plain('Approve') }],
    });
    expect((select?.parsed.actions as unknown[] | undefined)?.[0]).toMatchObject({
      type: 'static_select',
      selected_option: { text: plain('Production'), value: 'prod' },
    });
  });

  it('omits the message for clicks on ephemeral messages, like block-actions.json', async () => {
    const res = await ws.client.chat.postEphemeral({
      channel: 'C1',
      user: 'U1',
      text: 'only you',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'ok', text: plain('OK') }] }],
    });
    await ws.server.sendBlockAction({
      userId: 'U1',
      channelId: 'C1',
      messageTs: res.message_ts as string,
      actionId: 'ok',
    });
    const payload = ws.bot.requests[0]?.parsed;
    expect(payload?.container).toMatchObject({ is_ephemeral: true });
    expect(payload).not.toHaveProperty('message');
  });

  it('sends view_submission with state values, shaped like view-submission.json', async () => {
    const viewId = await openModal();
    await ws.server.sendViewSubmission({
      userId: 'U1',
      viewId,
      values: {
        env: { pick: { type: 'static_select', selected_option: { text: plain('Production'), value: 'prod' } } },
      },
    });
    const payload = ws.bot.requests.at(-1)?.parsed as { view: Record<string, unknown> };
    const upstream = fixtureJson('view-submission.json') as { view: Record<string, unknown> };
    expect(Object.keys(payload)).toEqual(expect.arrayContaining(Object.keys(upstream)));
    expect(Object.keys(payload.view)).toEqual(expect.arrayContaining(Object.keys(upstream.view)));
    expect(payload).toMatchObject({ type: 'view_submission', user: { id: 'U1' } });
    expect(payload.view).toMatchObject({
      id: viewId,
      callback_id: 'deploy',
      private_metadata: 'svc=api',
      state: {
        values: {
          reason: { text: { type: 'plain_text_input', value: 'hotfix' } },
          env: { pick: { selected_option: { value: 'prod' } } },
        },
      },
    });
    // An empty ack closes the modal.
    expect(ws.server.state.modalStack('U1')).toHaveLength(0);
  });

  it('applies response_action errors, update, push and clear to the view stack', async () => {
    const viewId = await openModal();
    ws.bot.reply(() => ({ body: { response_action: 'errors', errors: { reason: 'Say why' } } }));
    await ws.server.sendViewSubmission({ userId: 'U1', viewId, values: { reason: { text: '' } } });
    expect(ws.server.state.views.get(viewId)?.errors).toEqual({ reason: 'Say why' });
    expect(ws.server.state.modalStack('U1').map((v) => v.id)).toEqual([viewId]);

    ws.bot.reply(() => ({ body: { response_action: 'update', view: { ...modalView, title: plain('Confirm') } } }));
    await ws.server.sendViewSubmission({ userId: 'U1', viewId, values: { reason: { text: 'db fix' } } });
    expect(ws.server.state.views.get(viewId)?.view.title).toEqual(plain('Confirm'));

    ws.bot.reply(() => ({ body: { response_action: 'push', view: { ...modalView, title: plain('Step 2') } } }));
    await ws.server.sendViewSubmission({ userId: 'U1', viewId });
    const stack = ws.server.state.modalStack('U1');
    expect(stack.map((v) => v.view.title)).toEqual([plain('Confirm'), plain('Step 2')]);
    expect(stack[1]?.view).toMatchObject({ root_view_id: viewId, previous_view_id: viewId });

    ws.bot.reply(() => ({ body: { response_action: 'clear' } }));
    await ws.server.sendViewSubmission({ userId: 'U1', viewId: stack[1]?.id as string });
    expect(ws.server.state.modalStack('U1')).toHaveLength(0);
  });

  it('updates and publishes views through the Web API with hash checks', async () => {
    const viewId = await openModal();
    const current = ws.server.state.views.get(viewId)?.view.hash as string;
    const updated = await ws.client.views.update({ view_id: viewId, hash: current, view: modalView as never });
    expect(updated.view?.id).toBe(viewId);
    const stale = await ws.client.views
      .update({ view_id: viewId, hash: current, view: modalView as never })
      .catch((e) => e);
    expect(stale.data.error).toBe('hash_conflict');
    const home = { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'On call: you' } }] };
    const published = await ws.client.views.publish({ user_id: 'U1', view: home as never });
    const again = await ws.client.views.publish({ user_id: 'U1', view: home as never });
    expect(again.view?.id).toBe(published.view?.id);
    expect(ws.server.state.homeViews.get('U1')).toBe(published.view?.id);
  });

  it('wraps events in event_callback envelopes with unique ids and retry headers', async () => {
    await ws.server.sendEvent({ type: 'app_mention', user: 'U1', text: '<@U0OPSBOT01> status', channel: 'C1' });
    await ws.server.sendEvent(
      { type: 'reaction_added', user: 'U1', reaction: 'eyes', item: { type: 'message', channel: 'C1', ts: '1.1' } },
      { eventId: 'Ev0SAME', retryNum: 1, retryReason: 'http_timeout' },
    );
    const [mention, retry] = ws.bot.requests;
    expect(mention?.verified).toBe(true);
    expect(mention?.headers['content-type']).toBe('application/json');
    const upstream = Object.keys(fixtureJson('app-home-opened.json')).filter((k) => k !== 'enterprise_id');
    expect(Object.keys(mention?.parsed ?? {})).toEqual(expect.arrayContaining(upstream));
    expect(mention?.parsed).toMatchObject({
      type: 'event_callback',
      team_id: 'T0OPSDECK1',
      event: { type: 'app_mention' },
    });
    expect((mention?.parsed.event as { event_ts?: string } | undefined)?.event_ts).toMatch(/^\d+\.\d{6}$/);
    expect(mention?.parsed.event_id).not.toBe(retry?.parsed.event_id);
    expect(retry?.parsed.event_id).toBe('Ev0SAME');
    expect(retry?.headers['x-slack-retry-num']).toBe('1');
    expect(retry?.headers['x-slack-retry-reason']).toBe('http_timeout');
  });

  it('sends forged, unsigned and stale requests on demand', async () => {
    const body = 'command=%2Fops&text=x';
    const contentType = 'application/x-www-form-urlencoded';
    expect((await ws.server.sendRaw({ body, contentType, signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await ws.server.sendRaw({ body, contentType, sign: false })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 301;
    expect((await ws.server.sendRaw({ body, contentType, timestamp: stale })).status).toBe(401);
    expect((await ws.server.sendRaw({ body, contentType })).status).toBe(200);
    expect(ws.bot.requests.map((r) => r.verified)).toEqual([false, false, false, true]);
  });

  it('reports the time the bot took to answer, within the wall time of the call', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const arrived = new Promise<void>((resolve) => {
      ws.bot.reply(async () => {
        resolve();
        await gate;
        return { status: 200 };
      });
    });
    const started = performance.now();
    const pending = ws.server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'slow' });
    await arrived;
    release();
    const res = await pending;
    expect(res.ackMs).toBeGreaterThan(0);
    expect(res.ackMs).toBeLessThanOrEqual(performance.now() - started);
  });
});
