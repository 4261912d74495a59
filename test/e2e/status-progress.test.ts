import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
import { startHttpTarget } from '../support/targets.js';

/** `/ops status` while one check is slow: the results that arrived show meanwhile, not only once it is done. */

let h: Harness;
let target: Awaited<ReturnType<typeof startHttpTarget>>;
const held: Array<() => void> = [];

beforeAll(async () => {
  target = await startHttpTarget((req, res) => {
    if (req.url === '/slow') held.push(() => res.end('ok'));
    else res.end('ok');
  });
  h = await startHarness({
    opsYml: servicesYml(`
  api: { checks: { http: { type: http, url: "${target.url}/fast" } } }
  web: { checks: { http: { type: http, url: "${target.url}/fast" } } }
  docs: { checks: { http: { type: http, url: "${target.url}/fast" } } }
  billing: { checks: { http: { type: http, url: "${target.url}/slow", timeout: 60s } } }
`),
  });
});
afterAll(async () => {
  for (const release of held) release();
  await h?.close();
  await target?.close();
});

describe('/ops status with a slow check', () => {
  it('shows every result that arrived while the slow one runs, then the complete state', async () => {
    await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'status' });
    const drawn = (text: string) => (c: { method: string; params: Record<string, unknown> }) =>
      (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.params.text === text;
    // The three fast results come within a few ms of each other: a trailing draw shows the ones after the first.
    await h.slack.waitForCall(drawn('Service status (checking…): 1 checking…   3 healthy'), 15_000);
    // The slow request may reach the target after the others were drawn.
    await vi.waitFor(() => expect(held).toHaveLength(1));
    held.shift()!();
    await h.slack.waitForCall(drawn('Service status: 4 healthy'), 15_000);
  });
});
