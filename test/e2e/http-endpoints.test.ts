import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

let h: Harness;
const WEBHOOK_TOKEN = 'a-webhook-token-of-some-length';
beforeAll(async () => {
  h = await startHarness({ env: { WEBHOOK_TOKEN } });
});
afterAll(() => h.close());

describe('HTTP beside Slack’s', () => {
  it('/healthz says alive', async () => {
    const res = await fetch(`${h.opsdeck.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is ready once Redis answers and a worker has consumed a heartbeat job', async () => {
    // The first heartbeat job runs right after start; readiness follows its completion.
    const res = await vi.waitFor(
      async () => {
        const r = await fetch(`${h.opsdeck.url}/readyz`);
        expect(r.status).toBe(200);
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { redis: true, queueConnection: true, workersConsuming: true, localWorkers: true },
    });
  });

  it('/metrics speaks the Prometheus text format', async () => {
    const res = await fetch(`${h.opsdeck.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toContain('# TYPE opsdeck_commands_total counter');
  });

  it('/webhooks/* wants the bearer token (S8)', async () => {
    expect((await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, { method: 'POST' })).status).toBe(401);
    const wrong = await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${h.opsdeck.url}/webhooks/nothing-here`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` },
    });
    expect(right.status).toBe(404);
  });

  it('answers unknown paths with 404 and oversized Slack bodies with 413', async () => {
    expect((await fetch(`${h.opsdeck.url}/nope`)).status).toBe(404);
    const big = await fetch(`${h.opsdeck.url}/slack/events`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(413);
  });
});
