import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, startHarness } from '../support/harness.js';

const TOKEN = 'storm-test-token-0123456789';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { WEBHOOK_TOKEN: TOKEN },
    opsYml: `
slack: { alertsChannel: ${CHANNEL} }
alerts: { digestBacklog: 1 }
`,
  });
});
afterAll(() => h.close());

const send = (body: unknown) =>
  fetch(`${h.opsdeck.url}/webhooks/generic`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('an alert storm in one channel', () => {
  it('collects new groups into a digest while the channel is backlogged, then gives each firing group its message', async () => {
    const titles = Array.from({ length: 12 }, (_, i) => `Storm alert ${i}`);
    for (const title of titles) expect((await send({ title, status: 'firing' })).status).toBe(202);

    const digest = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).startsWith('Alert storm'),
      30_000,
    );
    const digestTs = (digest.response as { ts: string }).ts;
    // The drain: the digest ends with nobody waiting, and every group has a message of its own.
    await h.slack.waitForCall(
      (c) =>
        c.method === 'chat.update' &&
        c.params.ts === digestTs &&
        String(c.params.text).endsWith(', 0 waiting for their own message'),
      60_000,
    );
    for (const title of titles) {
      await h.slack.waitForCall(
        (c) => c.method === 'chat.postMessage' && String(c.params.text).includes(`${title} —`),
        60_000,
      );
    }
    for (const title of titles) {
      expect(own().filter((m) => m.text.includes(`${title} —`))).toHaveLength(1);
    }
  }, 90_000);
});

/** Top-level alert-group messages in the channel (the digest aside). */
const own = () => h.slack.state.visibleMessages(CHANNEL).filter((m) => !m.threadTs && m.text.startsWith('FIRING'));
