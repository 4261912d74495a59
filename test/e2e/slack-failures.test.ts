import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OutboxWatch, watchOutbox } from '../support/outbox.js';

/** R8: Slack answers 429, 5xx or an error; the outbox retries what can succeed and gives up on what cannot. */
let h: Harness;
let outbox: OutboxWatch;
beforeAll(async () => {
  h = await startHarness();
  outbox = await watchOutbox(h.opsdeck.redis);
});
afterAll(async () => {
  await outbox.close();
  await h.close();
});

const deliveriesTo = (responseUrl: string) =>
  h.slack.calls.filter((c) => c.method === 'response_url' && c.path === new URL(responseUrl).pathname);

describe('Slack failing', () => {
  it('waits out a 429 for Retry-After and delivers once', async () => {
    h.slack.faults.failNext('response_url', { status: 429, retryAfter: 1 });
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    const delivered = await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname && c.status === 200,
    );
    const [limited] = deliveriesTo(res.responseUrl);
    expect(limited!.status).toBe(429);
    expect(delivered.at - limited!.at).toBeGreaterThanOrEqual(1000);
    expect(deliveriesTo(res.responseUrl).map((c) => c.status)).toEqual([429, 200]);
  });

  it('retries 5xx answers with backoff', async () => {
    h.slack.faults.failNext('response_url', { status: 503, times: 2 });
    const res = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    await h.slack.waitForCall(
      (c) => c.method === 'response_url' && c.path === new URL(res.responseUrl).pathname && c.status === 200,
    );
    expect(deliveriesTo(res.responseUrl).map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it('fails the reply at once on a permanent error, without retrying it', async () => {
    // A response_url Slack does not know answers 404: retrying cannot help.
    const body = new URLSearchParams({
      team_id: 'T0TEST',
      channel_id: CHANNEL,
      user_id: USERS.carol,
      command: '/ops',
      text: 'ping',
      response_url: `${h.slack.url}/response/unknown`,
      trigger_id: 'permanent.1',
    }).toString();
    const failed = new Promise<{ jobId: string; failedReason: string }>((resolve) =>
      outbox.events.once('failed', resolve),
    );
    const res = await h.slack.sendRaw({ body, contentType: 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(200);
    const { jobId, failedReason } = await failed;
    expect(failedReason).toMatch(/Slack response_url failed/);
    const job = await outbox.jobs.getJob(jobId);
    expect(job!.attemptsMade).toBe(1);
    expect(h.slack.calls.filter((c) => c.path === '/response/unknown')).toHaveLength(1);
  });
});
