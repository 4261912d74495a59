import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL, type Harness, servicesYml, startHarness } from '../support/harness.js';
import { startHttpTarget } from '../support/targets.js';

let h: Harness;
let healthy = false;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  target = await startHttpTarget((_req, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end();
  });
  h = await startHarness({
    opsYml: servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${target.url}/healthz", interval: 1s, failuresBeforeAlert: 2 }
      manual: { type: http, url: "${target.url}/healthz" }
`),
  });
});
afterAll(async () => {
  await h?.close();
  await target?.close();
});

describe('scheduled checks', () => {
  it('run on their interval, alert in the service’s channel after N failures in a row, and resolve in place', async () => {
    const raised = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).startsWith('api.http failed'),
      15_000,
    );
    expect(raised.params.channel).toBe(CHANNEL);
    expect(String(raised.params.text)).toMatch(/^api\.http failed 2 times in a row: 503 \(expected 2xx\) in \d+ ms$/);

    healthy = true;
    const resolved = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && String(c.params.text).startsWith('Resolved: api.http passes again'),
      15_000,
    );
    expect(resolved.params.ts).toBe(raised.response.ts);
  });

  it('has one job scheduler per check with an interval, and none for the others', async () => {
    const { Queue } = await import('bullmq');
    const { redisUrl } = await import('../support/redis.js');
    const queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${h.prefix}:q` });
    const schedulers = await queue.getJobSchedulers(0, -1);
    await queue.close();
    expect(schedulers.map((s) => [s.key, s.every])).toEqual([['check-api-http', 1000]]);
  });
});
