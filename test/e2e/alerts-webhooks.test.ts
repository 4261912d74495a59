import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { groupIdOf } from '../../src/alerts/rules.js';
import { GROUP_WEBHOOK_MAX_BODY } from '../../src/alerts/webhooks.js';
import { CHANNEL, type Harness, startHarness, USERS } from '../support/harness.js';
import { eventsFromStart, finished } from '../support/queues.js';
import { redisClient } from '../support/redis.js';

const TOKEN = 'test-webhook-token-0123456789';
const fixture = (path: string) =>
  JSON.parse(readFileSync(`test/fixtures/${path}`, 'utf8')) as Record<string, unknown> & {
    alerts: Record<string, unknown>[];
  };

const OPS_YML = `
slack:
  alertsChannel: ${CHANNEL}
roles:
  responder: [U0ALICE]
  admin: [U0ADMIN]
alerts:
  routes:
    - match: { severity: page }
      channel: ${CHANNEL}
      mention: [S0ONCALL]
`;

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ opsYml: OPS_YML, env: { WEBHOOK_TOKEN: TOKEN } });
});
afterAll(() => h.close());

const sendTo = (target: Harness, path: string, body: unknown, token = TOKEN) =>
  fetch(`${target.opsdeck.url}/webhooks/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const send = (path: string, body: unknown, token = TOKEN) => sendTo(h, path, body, token);

/** The top-level messages of the channel whose text mentions `needle`. */
const messagesAbout = (needle: string) =>
  h.slack.state.visibleMessages(CHANNEL, USERS.alice).filter((m) => !m.threadTs && m.text.includes(needle));

describe('alerts through the webhook endpoints', () => {
  it('posts one message per Alertmanager group, edits it on resolve and threads the change', async () => {
    const firing = fixture('alertmanager/firing.json');
    const body = { ...firing, groupKey: '{}:{alertname="High CPU Temperature"}' };
    const res = await send('alertmanager', body);
    expect(res.status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('High CPU Temperature'),
    );
    expect(post.params.text).toContain('FIRING [critical] High CPU Temperature — 2 firing, 0 resolved');
    const ts = (post.response as { ts: string }).ts;

    // The HA twin sends the same body: nothing new in Slack.
    expect((await send('alertmanager', body)).status).toBe(202);

    const resolved = {
      ...body,
      status: 'resolved',
      alerts: body.alerts.map((a) => ({
        ...a,
        status: 'resolved',
        endsAt: '2020-02-06T00:27:58Z',
      })),
    };
    expect((await send('alertmanager', resolved)).status).toBe(202);
    const update = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).startsWith('RESOLVED'),
    );
    expect(update.params.text).toContain('0 firing, 2 resolved');
    const line = await h.slack.waitForCall((c) => c.method === 'chat.postMessage' && c.params.thread_ts === ts);
    expect(String(line.params.text)).toContain('Resolved');
    expect(String(line.params.text)).not.toMatch(/<[@!]/);
    expect(messagesAbout('High CPU Temperature')).toHaveLength(1);

    await vi.waitFor(async () => {
      const metrics = await fetch(`${h.opsdeck.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/opsdeck_alerts_deduplicated_total\{source="alertmanager"\} 2/);
    });
  });

  it('routes by ops.yml and mentions the on-call group only when the group starts firing', async () => {
    const res = await send('generic', {
      title: 'Disk full',
      status: 'firing',
      severity: 'page',
      service: 'db',
      annotations: { summary: 'The disk is full', runbook_url: 'https://runbooks.example.com/disk' },
    });
    expect(res.status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Disk full'),
    );
    const blocks = JSON.stringify(post.params.blocks);
    expect(blocks).toContain('<!subteam^S0ONCALL>');
    expect(blocks).toContain('https://runbooks.example.com/disk');
    expect(blocks).toContain('alerts_ack');
  });

  it('takes Grafana webhook bodies', async () => {
    expect((await send('grafana', fixture('grafana/webhook-firing-v11.json'))).status).toBe(202);
    await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Memory (copy)'),
    );
  });

  it('Acknowledge needs the responder role, shows who on the message and is audited', async () => {
    await send('generic', { title: 'Queue backlog', status: 'firing', severity: 'warning' });
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Queue backlog'),
    );
    const ts = (post.response as { ts: string }).ts;

    await h.slack.sendBlockAction({ userId: USERS.carol, channelId: CHANNEL, messageTs: ts, actionId: 'alerts_ack' });
    await h.slack.waitForCall(
      (c) => c.method === 'response_url' && String(c.params.text).includes('You need the *responder* role'),
    );

    await h.slack.sendBlockAction({ userId: USERS.alice, channelId: CHANNEL, messageTs: ts, actionId: 'alerts_ack' });
    const update = await h.slack.waitForCall((c) => c.method === 'chat.update' && c.params.ts === ts);
    expect(JSON.stringify(update.params.blocks)).toContain(`Acknowledged by <@${USERS.alice}>`);
    expect(JSON.stringify(update.params.blocks)).not.toContain('alerts_ack');
    await vi.waitFor(async () =>
      expect(await h.opsdeck.audit.latest(20)).toContainEqual(
        expect.objectContaining({ actor: USERS.alice, action: 'alerts.acknowledge', outcome: 'ok' }),
      ),
    );
  });

  it('/ops alerts lists the open groups with links to their messages', async () => {
    await send('generic', { title: 'Api latency', status: 'firing', service: 'api' });
    await h.slack.waitForCall((c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Api latency'));
    await vi.waitFor(async () => {
      const all = (await h.slack.sendCommand({ userId: USERS.carol, channelId: CHANNEL, text: 'alerts api' })).body as {
        text: string;
        blocks: unknown[];
      };
      expect(all.text).toBe('1 open alert group');
      expect(JSON.stringify(all.blocks)).toMatch(/Api latency/);
      expect(JSON.stringify(all.blocks)).toMatch(/archives\/C0OPS\/p\d+/);
    });
    // The Home tab lists them too.
    await h.slack.sendEvent({ type: 'app_home_opened', user: USERS.carol, channel: 'D0CAROL', tab: 'home' });
    const publish = await h.slack.waitForCall((c) => c.method === 'views.publish' && c.params.user_id === USERS.carol);
    expect(JSON.stringify(publish.params.view)).toMatch(/Open alert groups.*Api latency/);
    // While it is open, a new group shows there by itself.
    await send('generic', { title: 'Queue backlog', status: 'firing', service: 'api' });
    await h.slack.waitForCall(
      (c) =>
        c.method === 'views.publish' &&
        c.params.user_id === USERS.carol &&
        JSON.stringify(c.params.view).includes('Queue backlog'),
    );
  });

  it('refuses bad input with 4xx and stores nothing', async () => {
    expect((await send('alertmanager', fixture('alertmanager/firing.json'), 'wrong')).status).toBe(401);
    expect((await fetch(`${h.opsdeck.url}/webhooks/alertmanager`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await send('alertmanager', '{"version": "4",')).status).toBe(400);
    const wrong = await send('alertmanager', { ...fixture('alertmanager/firing.json'), alerts: [{ status: 'on' }] });
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as { field: string }).field).toBe('alerts.0.status');
    expect((await send('generic', 'x'.repeat(1024 * 1024 + 10))).status).toBe(413);
  });
});

describe('big alert groups', () => {
  /** The real firing fixture's first alert, copied `n` times with distinct hosts, fingerprints and starts. */
  const bigGroup = (name: string, n: number) => {
    const firing = fixture('alertmanager/firing.json');
    const [template] = firing.alerts;
    const alerts: Record<string, unknown>[] = Array.from({ length: n }, (_, i) => ({
      ...template,
      labels: { ...(template?.labels as Record<string, string>), alertname: name, host: `host-${i}` },
      fingerprint: `${i.toString(16).padStart(16, '0')}`,
      startsAt: new Date(Date.UTC(2020, 1, 6, 0, 0, 0, i)).toISOString(),
    }));
    return { ...firing, groupKey: `{}:{alertname="${name}"}`, commonLabels: { alertname: name }, alerts };
  };
  const groupValueBytes = async (groupKey: string) => {
    const redis = redisClient();
    try {
      const [key] = await redis.keys(`${h.prefix}*group*${groupIdOf('alertmanager', groupKey)}`);
      if (!key) throw new Error(`no group stored for ${groupKey}`);
      return await redis.strlen(key);
    } finally {
      redis.disconnect();
    }
  };

  it('accepts a 5,000-alert group, posts it once with its counts and keeps a bounded sample', async () => {
    const body = bigGroup('Disk Full Everywhere', 5000);
    const size = JSON.stringify(body).length;
    expect(size).toBeGreaterThan(1024 * 1024);
    expect((await send('alertmanager', body)).status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Disk Full Everywhere'),
      30_000,
    );
    expect(post.params.text).toContain('5000 firing, 0 resolved');
    expect(JSON.stringify(post.params.blocks)).toContain('Showing 100 of 5,000 alerts');
    const stored = await groupValueBytes(body.groupKey);
    expect(stored).toBeLessThan(size / 20);

    // Alertmanager resends the whole group: nothing new; then half of it resolves: one edit with the new counts.
    expect((await send('alertmanager', body)).status).toBe(202);
    const half = { ...body, alerts: body.alerts.map((a, i) => (i % 2 ? { ...a, status: 'resolved' } : a)) };
    expect((await send('alertmanager', half)).status).toBe(202);
    const ts = (post.response as { ts: string }).ts;
    const update = await h.slack.waitForCall(
      (c) => c.method === 'chat.update' && c.params.ts === ts && String(c.params.text).includes('2500 resolved'),
      30_000,
    );
    expect(update.params.text).toContain('2500 firing, 2500 resolved');
    expect(messagesAbout('Disk Full Everywhere')).toHaveLength(1);
    expect(await groupValueBytes(body.groupKey)).toBeLessThan(size / 20);
  });

  it('cuts an alert with 500 labels and 100 KB of annotations and says so', async () => {
    const body = bigGroup('Label Flood', 1);
    const [alert] = body.alerts;
    const labels: Record<string, string> = { ...(alert?.labels as Record<string, string>) };
    for (let i = 0; i < 500; i++) labels[`extra_${i}`] = `value-${i}`;
    const annotations = { summary: 'Label flood', description: 'd'.repeat(100_000) };
    body.alerts = [{ ...alert, labels, annotations }];
    expect((await send('alertmanager', body)).status).toBe(202);
    const post = await h.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Label Flood'),
    );
    expect(JSON.stringify(post.params.blocks)).toMatch(/cut \(\d+ labels left out, 1 name or value shortened\)/);
    expect(await groupValueBytes(body.groupKey)).toBeLessThan(20_000);
  });

  it('posts nothing for a resolved-only group it never saw firing', async () => {
    const resolved = fixture('alertmanager/resolved.json');
    const name = 'Never Seen Firing';
    const body = {
      ...resolved,
      groupKey: `{}:{alertname="${name}"}`,
      alerts: resolved.alerts.map((a) => ({
        ...a,
        labels: { ...(a.labels as Record<string, string>), alertname: name },
      })),
    };
    const res = await send('alertmanager', body);
    expect(res.status).toBe(202);
    const { queued } = (await res.json()) as { queued: string };
    const queue = new Queue('alerts-ingest', {
      connection: h.opsdeck.redis.bullConnection,
      prefix: h.opsdeck.redis.bullPrefix('alerts-ingest'),
    });
    const events = eventsFromStart(h.opsdeck.redis, 'alerts-ingest');
    try {
      expect(await finished(queue, events, `alerts-${queued}`)).toEqual({ dropped: 'resolved-unseen' });
    } finally {
      await events.close();
      await queue.close();
    }
    expect(h.slack.calls.filter((c) => JSON.stringify(c.params).includes(name))).toHaveLength(0);
  });

  it('refuses only a body over the group webhook cap, with 413', async () => {
    const over = `{"version":"4","pad":"${'x'.repeat(GROUP_WEBHOOK_MAX_BODY)}"}`;
    const res = await send('alertmanager', over);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: 'body_too_large', limit: GROUP_WEBHOOK_MAX_BODY });
  });
});

/** A small seeded PRNG (mulberry32): the fuzz is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Broadcasts, group pings and disguised links, raw and as Slack would escape them. */
const HOSTILE = [
  '<!channel>',
  '<!here|here>',
  '<!everyone>',
  '<!subteam^S0EVIL|@sre>',
  '@channel',
  '@here now',
  '&lt;!everyone&gt;',
  '<https://evil.example|Click to approve>',
] as const;

/** A valid Alertmanager body whose labels and annotations carry hostile text: accepted, and must post harmlessly. */
function hostileBody(random: () => number): string {
  const pick = () => HOSTILE[Math.floor(random() * HOSTILE.length)]!;
  const body = fixture('alertmanager/firing.json');
  const alert = body.alerts[0]!;
  const labels = { ...(alert.labels as Record<string, string>), alertname: `Fuzz ${pick()}`, team: pick() };
  const annotations = { summary: pick(), description: `${pick()} ${pick()}` };
  return JSON.stringify({ ...body, groupKey: `{}:{fuzz="${pick()}"}`, alerts: [{ ...alert, labels, annotations }] });
}

/** Random JSON, and the fixture with one field broken: both near and far from a valid body. */
function randomBody(random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const value = (depth: number): unknown => {
    const kind = pick(['string', 'number', 'null', 'bool', 'array', 'object'] as const);
    if (depth > 3 || kind === 'string')
      return pick(['', 'firing', '4', '\u0000', 'x'.repeat(300), pick(HOSTILE), '\ud83d', 'disk \udc00 full']);
    if (kind === 'number') return pick([0, -1, 1e300, 3.5]);
    if (kind === 'null') return null;
    if (kind === 'bool') return random() < 0.5;
    if (kind === 'array') return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 4) }, () => [
        pick(['status', 'alerts', 'labels', 'version', 'a']),
        value(depth + 1),
      ]),
    );
  };
  const roll = random();
  if (roll < 0.1) return JSON.stringify(value(0)).slice(0, Math.floor(random() * 40));
  if (roll < 0.5) return JSON.stringify(value(0));
  const body = fixture('alertmanager/firing.json');
  const field = pick(['version', 'status', 'groupKey', 'alerts', 'commonLabels'] as const);
  const alert = { ...body.alerts[0], [pick(['status', 'labels', 'startsAt', 'fingerprint'])]: value(2) };
  return JSON.stringify(field === 'alerts' ? { ...body, alerts: [alert] } : { ...body, [field]: value(1) });
}

describe('a seeded fuzz of webhook bodies', () => {
  it('posts hostile labels and annotations without a ping or a disguised link', async () => {
    const random = seeded(20261206);
    const statuses = await Promise.all(
      Array.from({ length: 200 }, async () => (await send('alertmanager', hostileBody(random))).status),
    );
    expect(statuses.every((status) => status === 202)).toBe(true);

    // Once every body is ingested and its message delivered, nothing posted pings or disguises a link.
    for (const name of ['alerts-ingest', 'slack-outbox']) {
      await vi.waitFor(
        async () => {
          const counts = await h.opsdeck.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          expect(Object.values(counts).every((n) => n === 0)).toBe(true);
        },
        { timeout: 90_000, interval: 100 },
      );
    }
    const shown = h.slack.calls
      .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
      .map((c) => JSON.stringify({ text: c.params.text, blocks: c.params.blocks }));
    expect(shown.some((text) => text.includes('Fuzz '))).toBe(true);
    const hostile = shown.filter(
      (text) =>
        /<!(?:channel|here|everyone)|<!subteam\^S0EVIL|<https:\/\/evil/.test(text) ||
        /(?<![\w\u2060])@(?:channel|here|everyone)\b/.test(text),
    );
    expect(hostile).toEqual([]);
  }, 120_000);

  it('never answers 5xx, and stores only what it accepted', async () => {
    const redis = redisClient();
    const queued = async () => (await redis.keys(`${h.prefix}:enqueued:alerts-ingest:*`)).length;
    const before = await queued();
    const random = seeded(20261202);
    // The bodies are drawn in order (the same 10,000 every run), then sent by a few senders at once.
    const bodies = Array.from({ length: 10_000 }, (_, i) => ({
      i,
      path: ['alertmanager', 'grafana', 'generic'][i % 3]!,
      body: randomBody(random),
    }));
    let accepted = 0;
    const statuses: string[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < bodies.length) {
          const { i, path, body } = bodies[next++]!;
          const res = await send(path, body);
          if (res.status === 202) accepted++;
          else if (res.status < 400 || res.status >= 500) statuses.push(`body ${i}: ${res.status}`);
        }
      }),
    );
    expect(statuses).toEqual([]);
    expect(await queued()).toBe(before + accepted);
    redis.disconnect();
  }, 120_000);
});

/**
 * Its own Opsdeck, with a groupWait long enough that three webhooks sent one after another, and their ingest jobs, all
 * land within it even on a loaded CI machine (the default 2 s did not always); the other tests keep the short default.
 */
describe('a generic group held for groupWait', () => {
  let held: Harness;
  beforeAll(async () => {
    held = await startHarness({
      opsYml: `${OPS_YML}  groupWait: 10s\n`,
      env: { WEBHOOK_TOKEN: TOKEN },
    });
  });
  afterAll(() => held.close());

  it('has alerts that follow at once in its first post, not in an edit', async () => {
    const sendHeld = (body: unknown) => sendTo(held, 'generic', body);
    for (const host of ['db-1', 'db-2', 'db-3']) {
      const res = await sendHeld({
        title: 'Disk filling',
        status: 'firing',
        service: 'db',
        fingerprint: `disk-${host}`,
        labels: { host },
      });
      expect(res.status).toBe(202);
    }
    const posted = await held.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('Disk filling'),
      30_000,
    );
    expect(String(posted.params.text)).toContain('3 firing');
    // Nothing else came of it: no edit, no thread line. (The marker is an Alertmanager group, which is not held.)
    await sendTo(held, 'alertmanager', { ...fixture('alertmanager/firing.json'), groupKey: '{}:{marker}' });
    await held.slack.waitForCall(
      (c) => c.method === 'chat.postMessage' && String(c.params.text).includes('High CPU Temperature'),
    );
    const about = held.slack.calls.filter(
      (c) => c.params.ts === posted.response.ts || c.params.thread_ts === posted.response.ts,
    );
    expect(about).toEqual([]);
  }, 60_000); // the group is held 10 s
});
