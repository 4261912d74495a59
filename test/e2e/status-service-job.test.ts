import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
import { freePort } from '../support/targets.js';

/**
 * `/ops status` over every service runs each service's checks in one job, one after another, each seeing the circuit
 * breaker as the one before left it: six checks of one target that refuses open its circuit within one request.
 */

let h: Harness;

beforeAll(async () => {
  const refused = await freePort();
  const checks = [1, 2, 3, 4, 5, 6]
    .map((n) => `      c${n}: { type: http, url: "http://127.0.0.1:${refused}/c${n}", timeout: 2s }`)
    .join('\n');
  h = await startHarness({ opsYml: servicesYml(`\n  billing:\n    checks:\n${checks}\n`) });
});
afterAll(async () => {
  await h?.close();
});

describe('/ops status over every service', () => {
  it('runs a service’s checks in turn: the sixth against a target that refused five times finds its circuit open', async () => {
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status' });
    const final = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && String(c.params.text) === 'Service status: 1 down',
      15_000,
    );
    const line = JSON.stringify(final.params.blocks);
    for (const n of [1, 2, 3, 4, 5]) expect(line).toContain(`c${n}: connection refused`);
    expect(line).toContain('c6: circuit open');
  });
});
