import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const SLACK_ACK_LIMIT_MS = 3000;

describe('/ops ping through the whole path', () => {
  it('is acked inside Slack’s 3 s and answered by a worker through the response_url', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    expect(res.status).toBe(200);
    expect(res.ackMs).toBeLessThan(SLACK_ACK_LIMIT_MS);
    expect(res.body).toMatchObject({ response_type: 'ephemeral', text: 'Pinging the workers…' });

    const reply = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    );
    expect(reply.status).toBe(200);
    expect(reply.params.text).toContain(`Pong from worker ${h.opsdeck.workerId}`);
    expect(reply.params.text).toMatch(/queue latency \d+ ms/);
    expect(reply.params.response_type).toBe('ephemeral');
  });

  it('counts the command in the metrics', async () => {
    const metrics = await fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/opsdeck_commands_total\{command="ping",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/opsdeck_jobs_total\{queue="ping",outcome="completed"\} [1-9]/);
    expect(metrics).toMatch(/opsdeck_slack_api_calls_total\{method="response_url",outcome="ok"\} [1-9]/);
    expect(metrics).toContain('opsdeck_ack_duration_seconds_bucket');
    expect(metrics).toMatch(/opsdeck_queue_depth\{queue="ping",state="waiting"\} 0/);
    expect(metrics).toContain('opsdeck_process_resident_memory_bytes');
  });
});

describe('the Ping again button', () => {
  it('replaces the clicked pong in place with a new one', async () => {
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    const first = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname,
    );
    const pong = [...h.slack.state.messages.values()].flat().find((m) => m.text === first.params.text);
    expect(pong).toBeDefined();

    const click = await h.slack.sendBlockAction({
      userId: USERS.carol,
      channelId: CHANNEL,
      messageTs: pong!.ts,
      actionId: 'ping_again',
      blockId: 'ping',
      value: 'ping',
    });
    expect(click.status).toBe(200);
    const replaced = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.params.replace_original === true,
    );
    expect(replaced.status).toBe(200);
    expect(replaced.params.text).toContain('Pong from worker');
  });
});
