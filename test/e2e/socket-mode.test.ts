import { on } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

/**
 * Opsdeck with SLACK_APP_TOKEN set: Bolt's Socket Mode client opens a WebSocket to the workspace (which then never
 * POSTs to a request URL) and everything a user does arrives as envelopes over it.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ socketMode: true });
});
afterAll(() => h.close());

const SLACK_ACK_LIMIT_MS = 3000;

const readiness = () =>
  fetch(`${h.opsdeck.url}/readyz`).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as { checks: Record<string, boolean> },
  }));

describe('Socket Mode', () => {
  it('connects with the app-level token through SLACK_API_URL and reports the connection in /readyz', async () => {
    expect(h.slack.socketMode?.connections()).toBe(1);
    const open = h.slack.calls.find((c) => c.method === 'apps.connections.open');
    expect(open?.response).toMatchObject({ ok: true });
    // The recorder never keeps tokens.
    expect(JSON.stringify(open?.params)).not.toContain('xapp-');
    const ready = await readiness();
    expect(ready.body.checks).toMatchObject({ slackConnected: true });
  });

  it('serves no request URL: /slack/events is not there', async () => {
    const res = await fetch(`${h.opsdeck.url}/slack/events`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(404);
  });

  it('acks /ops ping over the socket inside 3 s, and a worker answers through the response_url', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.ackMs).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(res.body).toMatchObject({ response_type: 'ephemeral', text: 'Pinging the workers…' });
    const reply = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    );
    expect(reply.params.text).toContain(`Pong from worker ${h.opsdeck.workerId}`);
    expect(h.slack.requests.entries.at(-1)?.url).toBe('socket-mode');
  });

  it('answers a bad subcommand with the usage, as in HTTP mode', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'dance' });
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(res.body)).toContain('/ops help');
  });

  it('delivers button clicks: Ping again replaces the pong in place', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    const first = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    );
    const pong = [...h.slack.state.messages.values()].flat().find((m) => m.text === first.params.text);
    const click = await h.slack.sendBlockAction({
      userId: USERS.carol,
      channelId: CHANNEL,
      messageTs: pong!.ts,
      actionId: 'ping_again',
    });
    expect(click.status).toBe(200);
    const replaced = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.params.replace_original === true,
    );
    expect(replaced.status).toBe(200);
  });

  it('handles an event once when Slack redelivers it', async () => {
    const event = { type: 'app_home_opened', user: USERS.bob, channel: 'D0BOB', tab: 'home' };
    await h.slack.sendEvent(event, { eventId: 'Ev0SOCKET1' });
    await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.bob);
    await h.slack.sendEvent(event, { eventId: 'Ev0SOCKET1', retryNum: 1, retryReason: 'timeout' });
    // A later, different event is the marker that the retry has been handled (or dropped) by now.
    await h.slack.sendEvent({ ...event, user: USERS.lead }, { eventId: 'Ev0SOCKET2' });
    await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.lead);
    expect(h.slack.calls.filter((c) => c.method === 'views.publish' && c.params.user_id === USERS.bob)).toHaveLength(1);
  });

  it('reconnects when Slack asks it to refresh, and keeps answering', async () => {
    const reopened = (async () => {
      for await (const [info] of on(h.slack.events, 'socket_mode', { signal: AbortSignal.timeout(15_000) })) {
        if ((info as { state: string }).state === 'open') return;
      }
    })();
    h.slack.socketMode!.disconnectAll('refresh_requested');
    await reopened;
    expect(h.slack.socketMode!.connections()).toBe(1);
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'help' });
    expect(JSON.stringify(res.body)).toContain('/ops ping');
    expect((await readiness()).body.checks).toMatchObject({ slackConnected: true });
  }, 30_000);
});
