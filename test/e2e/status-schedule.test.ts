import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/workspace/server.js';
import { CHANNEL, type Harness, servicesYml, startHarness, USERS } from '../support/harness.js';
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
      http: { type: http, url: "${target.url}/healthz", interval: 1s, failuresBeforeAlert: 2, severity: critical }
      manual: { type: http, url: "${target.url}/healthz" }
`),
  });
});
afterAll(async () => {
  await h?.close();
  await target?.close();
});

describe('scheduled checks', () => {
  it('run on their interval, alert through the alerts pipeline after N failures in a row, and resolve in place', async () => {
    const raised = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('api/http failing'),
      15_000,
    );
    // The alerts capability's own message: its title, state, Acknowledge and Silence (kept in Opsdeck: Alertmanager
    // does not know this alert).
    expect(raised.params.channel).toBe(CHANNEL);
    expect(String(raised.params.text)).toBe('FIRING [critical] api/http failing — 1 firing, 0 resolved');
    const blocks = JSON.stringify(raised.params.blocks);
    expect(blocks).toMatch(/503 \(expected 2xx\) in \d+ ms/);
    expect(blocks).toContain('Failed 2 times in a row (failuresBeforeAlert: 2).');
    expect(blocks).toContain('"action_id":"alerts_ack"');
    expect(blocks).toContain('"action_id":"alerts_silence_1h"');
    const ts = (raised.response as { ts: string }).ts;

    // `/ops alerts api` lists it among the open groups.
    const open = await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'alerts api' });
    expect(JSON.stringify(open.body)).toContain('api/http failing');

    healthy = true;
    const resolved = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
      15_000,
    );
    expect(String(resolved.params.text)).toBe('RESOLVED [critical] api/http failing — 0 firing, 1 resolved');
    expect(JSON.stringify(resolved.params.blocks)).toMatch(/Passes again: 200 in \d+ ms/);
    expect(JSON.stringify(resolved.params.blocks)).not.toContain('alerts_ack');
    // One message for the whole outage.
    const posts = h.slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && !c.params.thread_ts && String(c.params.text).includes('api/http'),
    );
    expect(posts).toHaveLength(1);
  });

  it('republishes Home for whoever has it open when a service’s health changes', async () => {
    healthy = true;
    const homeOf = (user: string, health: string) => (c: RecordedCall) =>
      c.method === 'views.publish' &&
      c.params.user_id === user &&
      JSON.stringify(c.params.view).includes(`*api* — ${health}`);
    // Bob opens Home: it shows api from its last results (the on-demand check that never ran is left out).
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.bob, channel: 'D0BOB', tab: 'home' });
    await h.slack.waitForCall(homeOf(USERS.bob, 'healthy'), 15_000);

    healthy = false;
    const down = await h.slack.waitForCall(homeOf(USERS.bob, 'down'), 15_000);
    expect(down.response.ok).toBe(true);
    // Only people who opened Home get it published.
    expect(h.slack.calls.filter((c) => c.method === 'views.publish' && c.params.user_id !== USERS.bob)).toEqual([]);
    healthy = true;
  });

  it('has one job scheduler per check with an interval, and none for the others', async () => {
    expect(await schedulers()).toEqual([['check-api-http', 1000]]);
  });

  it('updates and removes schedulers when a process starts with a changed ops.yml, one per check however many run', async () => {
    // A second process (workers only) on the same Redis, with api.http every 3 s, and a new scheduled check.
    const second = await startHarness({
      env: { REDIS_PREFIX: h.prefix, ROLE: 'worker' },
      opsYml: servicesYml(`
  api:
    channel: ${CHANNEL}
    checks:
      http: { type: http, url: "${target.url}/healthz", interval: 3s }
      port: { type: tcp, host: 127.0.0.1, port: ${new URL(target.url).port}, interval: 2s }
`),
    });
    try {
      expect(await schedulers()).toEqual([
        ['check-api-http', 3000],
        ['check-api-port', 2000],
      ]);
    } finally {
      await second.close();
    }
    // Removed from ops.yml: the next process to start removes its scheduler.
    const third = await startHarness({ env: { REDIS_PREFIX: h.prefix, ROLE: 'worker' }, opsYml: servicesYml(' {}') });
    try {
      expect(await schedulers()).toEqual([]);
    } finally {
      await third.close();
    }
  });
});

async function schedulers(): Promise<Array<[string, number | null | undefined]>> {
  const { Queue } = await import('bullmq');
  const { redisUrl } = await import('../support/redis.js');
  const queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${h.prefix}:q` });
  try {
    const all = await queue.getJobSchedulers(0, -1);
    return all.map((s): [string, number | null | undefined] => [s.key, s.every]).sort(([a], [b]) => a.localeCompare(b));
  } finally {
    await queue.close();
  }
}
