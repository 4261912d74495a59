import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackServer, type SlackServer } from '../../../src/workspace/server.js';
import { quietLogger } from './fixture.js';

/**
 * The fake against the real thing on the other side: a Bolt app over HTTP must accept our signatures and payload
 * shapes, and its ack/respond/client calls must land in the workspace state.
 */

const SECRET = 'bolt-roundtrip-secret';
const BOT_TOKEN = 'xoxb-bolt-roundtrip';
const plain = (text: string) => ({ type: 'plain_text' as const, text });

let server: SlackServer;
let app: App;

beforeEach(async () => {
  server = await createSlackServer({
    botToken: BOT_TOKEN,
    signingSecret: SECRET,
    users: [{ id: 'U1', name: 'alice' }],
    channels: [{ id: 'C1', name: 'ops' }],
  });
  app = new App({
    receiver: new HTTPReceiver({ signingSecret: SECRET, logger: quietLogger }),
    token: BOT_TOKEN,
    logger: quietLogger,
    clientOptions: { slackApiUrl: server.apiUrl, retryConfig: { retries: 0 } },
  });
  app.command('/ops', async ({ ack, respond, client, body }) => {
    await ack('Working…');
    await client.views.open({
      trigger_id: body.trigger_id,
      view: {
        type: 'modal',
        callback_id: 'deploy',
        title: plain('Deploy'),
        submit: plain('Go'),
        blocks: [
          {
            type: 'input',
            block_id: 'reason',
            label: plain('Reason'),
            element: { type: 'plain_text_input', action_id: 'text' },
          },
        ],
      },
    });
    await respond({ text: 'Done', replace_original: true });
  });
  app.view('deploy', async ({ ack, view }) => {
    const reason = view.state.values.reason?.text?.value;
    if (!reason) await ack({ response_action: 'errors', errors: { reason: 'Say why' } });
    else await ack();
  });
  app.event('app_mention', async ({ say }) => {
    await say({
      text: 'Approve deploy?',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'approve', text: plain('Approve') }] }],
    });
  });
  app.action('approve', async ({ ack, respond, body }) => {
    await ack();
    await respond({ replace_original: true, text: `Approved by <@${body.user.id}>` });
  });
  const http = (await app.start(0)) as { address(): AddressInfo | string | null };
  server.setRequestUrl(`http://127.0.0.1:${(http.address() as AddressInfo).port}/slack/events`);
});

afterEach(async () => {
  await app.stop();
  await server.close();
});

describe('a Bolt app against the Slack-compatible server', () => {
  it('handles a command: ack reply, modal via trigger_id, respond replaces the reply', async () => {
    const res = await server.sendCommand({ userId: 'U1', channelId: 'C1', text: 'deploy api' });
    expect(res.status).toBe(200);
    await server.waitForCall((c) => c.method === 'response_url');
    expect(server.state.visibleMessages('C1', 'U1').map((m) => [m.text, m.ephemeralFor])).toEqual([['Done', 'U1']]);

    const [modal] = server.state.modalStack('U1');
    expect(modal?.view.callback_id).toBe('deploy');
    await server.sendViewSubmission({ userId: 'U1', viewId: modal?.id as string });
    expect(server.state.views.get(modal?.id as string)?.errors).toEqual({ reason: 'Say why' });
    await server.sendViewSubmission({ userId: 'U1', viewId: modal?.id as string, values: { reason: { text: 'fix' } } });
    expect(server.state.modalStack('U1')).toHaveLength(0);
  });

  it('handles an event and a button click on the message it posted', async () => {
    const ack = await server.sendEvent({
      type: 'app_mention',
      user: 'U1',
      text: '<@U0OPSBOT01> deploy',
      channel: 'C1',
    });
    expect(ack.status).toBe(200);
    const posted = await server.waitForCall((c) => c.method === 'chat.postMessage');
    const ts = posted.response.ts as string;
    await server.sendBlockAction({ userId: 'U1', channelId: 'C1', messageTs: ts, actionId: 'approve' });
    await server.waitForCall((c) => c.method === 'response_url');
    expect(server.state.getMessage('C1', ts)?.text).toBe('Approved by <@U1>');
  });
});
