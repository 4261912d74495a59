import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { answer } from '../support/deploys.js';
import { type FakePagerDuty, startFakePagerDuty } from '../support/fake-pagerduty.js';
import { FLOWS_WEBHOOK_TOKEN, flowsOpsYml, postsAbout } from '../support/flows.js';
import { CHANNEL, type Harness, USERS, waitForMessage } from '../support/harness.js';
import { expectFlowsOnceEach, type ManyProcesses, startManyProcesses } from '../support/many-processes.js';
import { redisUrl } from '../support/redis.js';
import { recordingStep, runMessage, startRun, stepsLog } from '../support/runbooks.js';
import { startHttpTarget } from '../support/targets.js';

/**
 * Many processes, one truth: two bot processes behind a round-robin proxy (as a load balancer spreads Slack's
 * requests) and three worker processes on one Redis. Every flow happens once whichever process takes each part, and
 * together they never post faster than Slack allows.
 */
let m: ManyProcesses;
let h: Harness;
let dir: string;
let proxy: ManyProcesses['proxy'];
let pd: FakePagerDuty;
let checkHits = 0;
let target: Awaited<ReturnType<typeof startHttpTarget>>;
/** Each bot's own URL, for a request that must land on one of them. */
let bots: string[] = [];
const ROUTING_KEY = 'R0UT1NGKEY0000000000000000000022';

/** The flows' ops.yml, plus a runbook with an approval between its steps and incidents that escalate and page. */
function opsYml(): string {
  return `${flowsOpsYml(dir, `${target.url}/healthz`)}
runbooks:
  restart:
    description: Drains, waits for an approver, restarts and verifies
    allow: [deployer]
    steps:
      - { name: drain, ${recordingStep(dir, ['drain', '{service}'])} }
      - { name: go-ahead, approve: { from: approver } }
      - { name: restart, ${recordingStep(dir, ['restart', '{service}'])} }
      - { name: verify, ${recordingStep(dir, ['verify', '{service}'])} }
incidents:
  severities:
    sev1: { page: true }
    sev2: {}
  escalation:
    ackWithin: 1s
    levels: [[U0ADMIN], [U0LEAD]]
  pagerduty: { routingKey: "\${PAGERDUTY_ROUTING_KEY}", url: "${pd.url}" }
`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opsdeck-many-'));
  target = await startHttpTarget((_req, res) => {
    checkHits++;
    res.statusCode = 503;
    res.end();
  });
  pd = await startFakePagerDuty();
  m = await startManyProcesses({
    opsYml: opsYml(),
    dir,
    workers: ['worker-1', 'worker-2', 'worker-3'],
    env: { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
  });
  ({ h, proxy, bots } = m);
}, 120_000);

afterAll(async () => {
  await m?.close();
  await target?.close();
  await pd?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Slack's requests go through the load balancer, or (`bot`) straight to one bot. */
function throughProxy(bot?: string): void {
  h.slack.setRequestUrl(`${bot ?? proxy.url}/slack/events`);
}

describe('two bots and three workers on one Redis', () => {
  it('run each deploy once, count an approval clicked on either bot once, post each alert group once and each check once per interval', {
    timeout: 60_000,
  }, async () => {
    await expectFlowsOnceEach(m, dir, '3.1.4');

    // The check every second, with three workers: never more runs than the scheduler's iterations.
    const hits = checkHits;
    const queue = new Queue('status-check', { connection: { url: redisUrl() }, prefix: `${h.prefix}:q` });
    try {
      const [scheduler] = await queue.getJobSchedulers(0, -1);
      expect(hits).toBeGreaterThan(0);
      expect(hits).toBeLessThanOrEqual(scheduler?.iterationCount ?? 0);
    } finally {
      await queue.close();
    }
  });

  it('runs each runbook step once: started through one bot, approved on both at once', {
    timeout: 60_000,
  }, async () => {
    throughProxy(bots[0]);
    let id: string;
    try {
      id = await startRun(h, () => answer(h, USERS.alice, 'run restart api'));
    } finally {
      throughProxy();
    }
    const waiting = await runMessage(h, id, 'waiting for approval');
    expect(stepsLog(dir)).toEqual(['drain api']);

    // Bob's Approve, clicked twice at once: the load balancer hands one click to each bot.
    const before = servedBy();
    const approve = { userId: USERS.bob, channelId: CHANNEL, messageTs: waiting.ts, actionId: 'runbook_approve' };
    const clicks = await Promise.all([h.slack.sendBlockAction(approve), h.slack.sendBlockAction(approve)]);
    expect(clicks.map((c) => c.status)).toEqual([200, 200]);
    expect(servedBy().map((n, i) => n - before[i]!)).toEqual([1, 1]);

    await runMessage(h, id, 'succeeded', { timeout: 30_000 });
    expect(stepsLog(dir)).toEqual(['drain api', 'restart api', 'verify api']);
    const audit = await h.opsdeck.audit.latest(100);
    expect(audit.filter((e) => e.action === 'runbooks.approve' && e.outcome === 'ok')).toHaveLength(1);
  });

  it('posts each escalation level once and pages PagerDuty once', { timeout: 60_000 }, async () => {
    const reply = await answer(h, USERS.alice, 'incident declare sev1 Checkout is down');
    const id = /#(\d+)/.exec(reply)![1]!;
    const channel = await vi.waitFor(
      () => {
        const found = [...h.slack.state.channels.values()].find((c) => c.name.endsWith('-checkout-is-down'));
        expect(found).toBeDefined();
        return found!.id;
      },
      { timeout: 20_000, interval: 50 },
    );
    // Nobody acknowledges: level 1 after a second, level 2 after two. The escalation job then ends (no level 3), and
    // the page it asked for has been sent: nothing is left that could escalate or page again.
    await waitForMessage(h, channel, /escalation level 2/);
    await jobCompleted('incidents-timer', `escalate-${id}-0`);
    await jobCompleted('incidents-page', `page-${id}-trigger`);

    const posts = (level: number) =>
      (h.slack.state.messages.get(channel) ?? []).filter((m) => m.text.includes(`escalation level ${level}.`));
    expect(posts(1)).toHaveLength(1);
    expect(posts(1)[0]!.text).toContain('<@U0ADMIN>');
    expect(posts(2)).toHaveLength(1);
    expect(posts(2)[0]!.text).toContain('<@U0LEAD>');
    const triggers = pd.events.filter((e) => e.event_action === 'trigger');
    expect(triggers.map((e) => e.dedup_key)).toEqual([`opsdeck-incident-${id}`]);
  });

  it('never posts faster than Slack allows: a burst of alert groups from all workers to one channel, and every flow above', {
    timeout: 90_000,
  }, async () => {
    const groups = Array.from({ length: BURST }, (_, i) => `Burst ${i + 1} of ${BURST}`);
    await Promise.all(groups.map((group) => fireAlert(group)));
    await vi.waitFor(() => expect(groups.map((group) => postsAbout(h, group))).toEqual(groups.map(() => 1)), {
      timeout: 60_000,
      interval: 100,
    });
    // Not one 429 in the whole file, for any method: Slack's pacing was never exceeded.
    const limited = h.slack.calls.filter((c) => c.status === 429).map((c) => `${c.method} ${c.params.channel ?? ''}`);
    expect(limited).toEqual([]);
    // And the posts came from several workers: the pacing held across processes, not inside one.
    const delivered = await h.opsdeck.queues.queue('slack-outbox').getCompleted(0, -1);
    expect(new Set(delivered.map((job) => job.processedBy)).size).toBeGreaterThan(1);
  });
});

/** Requests each bot took from the load balancer so far, in the order of `bots`. */
function servedBy(): number[] {
  return bots.map((bot) => proxy.served.get(new URL(bot).origin) ?? 0);
}

/** Waits until job `jobId` of `queue` ran to completion (on whichever worker). */
async function jobCompleted(queue: string, jobId: string): Promise<void> {
  const jobs = h.opsdeck.queues.queue(queue);
  await vi.waitFor(async () => expect(await (await jobs.getJob(jobId))?.getState()).toBe('completed'), {
    timeout: 20_000,
    interval: 100,
  });
}

/** More alert groups than Slack's per-channel burst allows at once, all for one channel. */
const BURST = 12;

/** Alertmanager's firing fixture as its own group `group`, through the load balancer. */
async function fireAlert(group: string): Promise<void> {
  const firing = JSON.parse(readFileSync('test/fixtures/alertmanager/firing.json', 'utf8'));
  const body = {
    ...firing,
    groupKey: `{}:{alertname="${group}"}`,
    commonLabels: { ...firing.commonLabels, alertname: group },
    alerts: firing.alerts.map((a: { labels: object }) => ({ ...a, labels: { ...a.labels, alertname: group } })),
  };
  const res = await fetch(`${proxy.url}/webhooks/alertmanager`, {
    method: 'POST',
    headers: { authorization: `Bearer ${FLOWS_WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
}
