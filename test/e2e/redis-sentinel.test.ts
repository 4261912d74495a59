import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFailed, vi } from 'vitest';
import type { AuditEntry } from '../../src/platform/audit-log.js';
import { deployWithApproval, expectDeployedOnce, FLOWS_WEBHOOK_TOKEN, flowsOpsYml } from '../support/flows.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { SENTINEL_NAME, type SentinelSetup, startSentinels } from '../support/redis-sentinel.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Opsdeck behind Redis Sentinel (a primary, a replica, three Sentinels — all real processes) while its primary is
 * killed under load: /readyz reports the gap, the replica is promoted, workers consume again and nothing that was
 * acknowledged and replicated before the kill is lost. Both nodes run AOF with appendfsync everysec.
 */
let sentinel: SentinelSetup;
let h: Harness;
let dir: string;
let target: Awaited<ReturnType<typeof startHttpTarget>>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-sentinel-flows-'));
  target = await startHttpTarget((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  sentinel = await startSentinels();
  h = await startHarness({
    env: {
      REDIS_SENTINELS: sentinel.sentinels,
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
      WEBHOOK_TOKEN: FLOWS_WEBHOOK_TOKEN,
    },
    opsYml: flowsOpsYml(dir, `${target.url}/healthz`),
    keepLogs: true,
  });
}, 60_000);

afterAll(async () => {
  await h?.close();
  await sentinel?.stop();
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function readyz(): Promise<{ status: number; checks: Record<string, boolean> }> {
  const res = await fetch(`${h.opsdeck.url}/readyz`);
  return { status: res.status, checks: ((await res.json()) as { checks: Record<string, boolean> }).checks };
}

/**
 * `/ops ping` and its answer: the worker's through response_url, or the bot's own when it could not enqueue (during
 * the gap: "Something went wrong… try again in a moment") — at once, or through response_url when the bot was still
 * waiting on Redis at Slack's deadline and acknowledged empty.
 */
async function ping(): Promise<string> {
  const res = await h.slack.sendCommand({ userId: USERS.alice, channelId: CHANNEL, text: 'ping' });
  const body = res.body as { text?: string } | undefined;
  if (body?.text && !body.text.includes('Pinging the workers')) return body.text;
  const reply = await h.slack.waitForCall(
    (c) =>
      c.method === 'response_url' &&
      c.path === new URL(res.responseUrl).pathname &&
      !String(c.params.text).includes('Pinging the workers'),
    30_000,
  );
  return String(reply.params.text);
}

const key = (e: AuditEntry) => `${e.id} ${e.action} ${e.outcome}`;

describe('behind Redis Sentinel', () => {
  it('survives its primary being killed under load: the gap is reported, workers consume again, nothing acknowledged is lost', {
    timeout: 90_000,
  }, async () => {
    // A failover that goes wrong shows only as a timeout here: the bot's own account of it is what explains it.
    onTestFailed(() => {
      process.stderr.write(`the bot's log:\n${h.logs.join('')}`);
    });
    const id = await deployWithApproval(h, '1.0.0');
    expect(await ping()).toContain('Pong from worker');
    const before = await h.opsdeck.audit.latest(100);
    expect(before.map((e) => e.action)).toEqual(expect.arrayContaining(['deploys.deploy', 'deploys.approve']));
    // Acknowledged = answered and on the replica: Redis replicates asynchronously, so a write answered in the instant
    // before a primary dies may not be on the replica that replaces it. WAIT makes the line sharp for the test.
    const primary = new Redis(sentinel.primary.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
    expect(await primary.call('WAIT', '1', '5000')).toBe(1);
    primary.disconnect();

    // Load: the scheduled check every second, and pings one after another, while the primary dies.
    let loading = true;
    const answers: string[] = [];
    const load = (async () => {
      while (loading) answers.push(await ping());
    })();
    await sentinel.primary.kill();
    const gap = await vi.waitFor(
      async () => {
        const now = await readyz();
        expect(now.status).toBe(503);
        return now;
      },
      { timeout: 30_000, interval: 50 },
    );
    expect(gap.checks.redis === false || gap.checks.queueConnection === false).toBe(true);

    // The Sentinels' election is Redis's own (a failed attempt is retried after failover-timeout): given time.
    await vi.waitFor(async () => expect(await sentinel.primaryPort()).toBe(sentinel.replica.port), {
      timeout: 60_000,
      interval: 200,
    });
    // Workers consume again: within 30 s of the promotion a ping is answered by a worker (one enqueued is always
    // answered; one refused while the connections were still coming back is tried again).
    await vi.waitFor(async () => expect(await ping()).toContain('Pong from worker'), {
      timeout: 30_000,
      interval: 200,
    });
    loading = false;
    await load;
    // Readiness follows once the heartbeat job has run on the new primary.
    await vi.waitFor(async () => expect(await readyz()).toMatchObject({ status: 200 }), {
      timeout: 60_000,
      interval: 200,
    });
    // Every ping during the failover got an answer: a pong, or the bot's "try again" when it could not enqueue.
    for (const text of answers) expect(text).toMatch(/Pong from worker|Something went wrong while running \/ops ping/);

    // A new deploy with approval runs once.
    await deployWithApproval(h, '2.0.0');
    expectDeployedOnce(dir, '1.0.0');
    expectDeployedOnce(dir, '2.0.0');

    // Every audit entry from before the kill is still there, and the chain verifies.
    const after = await h.opsdeck.audit.latest(500);
    expect(after.map(key)).toEqual(expect.arrayContaining(before.map(key)));
    expect((await h.opsdeck.audit.verify()).ok).toBe(true);
    expect(id).toMatch(/^\d+$/);
  });
});
