import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';

/** S3: nothing secret reaches the logs, even at the most verbose level. */
let h: Harness;
let proc: OpsdeckProcess;

beforeAll(async () => {
  h = await startHarness({ env: { ROLE: 'worker' } });
  proc = spawnOpsdeck({ ...h.env, ROLE: 'all', LOG_LEVEL: 'trace', WORKER_ID: 'verbose' });
  const started = await proc.waitForLog((line) => line.msg === 'opsdeck started');
  h.slack.setRequestUrl(`${started.url as string}/slack/events`);
});

afterAll(async () => {
  proc.child.kill('SIGKILL');
  await proc.exited;
  await h.close();
});

describe('logs', () => {
  it('carry no token, signing secret or token= field after real traffic', async () => {
    const ping = await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'ping' });
    await h.slack.waitForCall((c) => c.method === 'response_url' && c.path === new URL(ping.responseUrl).pathname);
    await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'audit' });
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'nonsense' });
    await h.slack.sendRaw({
      body: 'token=abc&text=x',
      contentType: 'application/x-www-form-urlencoded',
      signature: 'v0=bad',
    });
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.carol, channel: 'D0CAROL', tab: 'home' });
    await h.slack.waitForCall((c) => c.method === 'views.publish');

    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    const logs = proc.output();
    expect(logs.length).toBeGreaterThan(1000);
    expect(logs).not.toMatch(/xox[abpr]-/);
    expect(logs).not.toContain(h.signingSecret);
    expect(logs).not.toContain(h.botToken);
    expect(logs).not.toMatch(/[?&"]token=/);
  });
});
