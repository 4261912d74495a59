/**
 * Alert storm benchmark (issue #9): 10,000 alerts in 500 groups over 20 channels, posted to a real Alertmanager's API
 * as Prometheus would, within seconds. The same Alertmanager routes every group to two receivers:
 * - Opsdeck: a webhook receiver pointed at one Opsdeck process, which posts through its outbox to Slack-compatible
 *   server A;
 * - Alertmanager's own `slack_configs` receiver, one per channel, whose `api_url` is chat.postMessage on server B.
 * Both servers enforce Slack's limits (chat.postMessage 1/s per channel with a burst of 4, chat.update Tier 3).
 *
 * Done, for each side: every channel shows every group with all its alerts. The minimum is what the per-channel
 * limit allows once Alertmanager has handed over each group whole: each channel's groups, in the order their complete
 * notification reached Opsdeck, through a bucket of 4 that refills once a second (recorded by a small proxy in front
 * of Opsdeck). Run by `npm run bench`, or alone: `tsx bench/alerts.ts`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { POST_MESSAGE_PER_SECOND } from '../src/slack/rate-tiers.js';
import { createSlackServer, type SlackServer } from '../src/workspace/server.js';
import { startAlertmanager } from '../test/support/alertmanager-process.js';
import { alertRatios } from './guard.js';
import { runWhenMain, startBenchOpsdeck } from './standalone.js';

const ALERTS = 10_000;
const GROUPS = 500;
const CHANNELS = 20;
const PER_GROUP = ALERTS / GROUPS;
/** The local server's chat.postMessage burst per channel (RateLimiter's default). */
const SERVER_BURST = 4;
/** Alerts per request to Alertmanager's API, and requests in flight. */
const BATCH = 100;
const SENDERS = 8;
/**
 * Alertmanager's timers, compressed from its defaults (30 s and 5 m) so the storm fits in a bench run. group_wait
 * outlasts the posting of the storm even on a loaded machine, so each group is handed over whole, once.
 */
const GROUP_WAIT = '10s';
const GROUP_INTERVAL = '10s';
/** Either side that has not shown every group by then is reported as not done. */
const GIVE_UP_MS = 240_000;

export interface SideFigures {
  delivered: number;
  rateLimited: number;
  firstMessageSeconds: number;
  /** NaN when the side gave up before every group showed. */
  seconds: number;
  postsPerGroup: number;
  updates: number;
}

export interface AlertStormFigures {
  alerts: number;
  groups: number;
  channels: number;
  minimumSeconds: number;
  opsdeck: SideFigures;
  alertmanager: SideFigures;
}

const channelIds = Array.from({ length: CHANNELS }, (_, i) => `C0STORM${i}`);

/** The storm as Prometheus posts it to Alertmanager: every alert of every group, `team` choosing the channel. */
function stormAlerts(): Record<string, unknown>[] {
  const startsAt = new Date().toISOString();
  return Array.from({ length: ALERTS }, (_, i) => {
    const g = i % GROUPS;
    return {
      labels: { alertname: `Storm${g}`, team: `t${g % CHANNELS}`, instance: `host-${Math.floor(i / GROUPS)}` },
      annotations: { summary: `Storm group ${g}` },
      startsAt,
      generatorURL: 'http://prometheus.example.com/graph',
    };
  });
}

function alertmanagerConfig(webhookUrl: string, token: string, slackApiUrl: string, botToken: string): string {
  const slackRoutes = channelIds
    .map((_, i) => `    - { receiver: slack-t${i}, matchers: ['team="t${i}"'] }`)
    .join('\n');
  const slackReceivers = channelIds
    .map(
      (id, i) => `  - name: slack-t${i}
    slack_configs:
      - api_url: ${JSON.stringify(`${slackApiUrl}chat.postMessage`)}
        channel: ${id}
        send_resolved: true
        http_config: { authorization: { type: Bearer, credentials: ${JSON.stringify(botToken)} } }`,
    )
    .join('\n');
  return `route:
  receiver: opsdeck
  group_by: [alertname]
  group_wait: ${GROUP_WAIT}
  group_interval: ${GROUP_INTERVAL}
  repeat_interval: 1h
  routes:
    - { receiver: opsdeck, continue: true }
${slackRoutes}
receivers:
  - name: opsdeck
    webhook_configs:
      - url: ${JSON.stringify(webhookUrl)}
        send_resolved: true
        max_alerts: 0
        http_config: { authorization: { type: Bearer, credentials: ${JSON.stringify(token)} } }
${slackReceivers}
`;
}

/**
 * Forwards Alertmanager's webhooks to Opsdeck and notes when each group first arrived whole: the start of the
 * minimum, and the same moment Alertmanager's own receivers got that group.
 */
async function recordingProxy(target: () => string) {
  const whole = new Map<string, number>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      const parsed = JSON.parse(body.toString()) as { groupLabels?: { alertname?: string }; alerts?: unknown[] };
      const name = parsed.groupLabels?.alertname;
      if (name && (parsed.alerts?.length ?? 0) >= PER_GROUP && !whole.has(name)) whole.set(name, Date.now());
    } catch {
      // Not ours to judge: Opsdeck answers it.
    }
    const answer = await fetch(`${target()}${req.url}`, {
      method: req.method,
      headers: { authorization: req.headers.authorization ?? '', 'content-type': 'application/json' },
      body,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    whole,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Least time each channel needs to show its groups, given when each arrived whole (one bucket per channel). */
export function minimumMs(arrivals: ReadonlyMap<string, number>, start: number): number {
  const intervalMs = 1000 / POST_MESSAGE_PER_SECOND;
  let last = start;
  for (const channel of channelIds.keys()) {
    const times = [...arrivals]
      .filter(([name]) => Number(name.slice('Storm'.length)) % CHANNELS === channel)
      .map(([, at]) => at)
      .sort((a, b) => a - b);
    let tat = Number.NEGATIVE_INFINITY;
    for (const at of times) {
      tat = Math.max(tat, at);
      const send = Math.max(at, tat - (SERVER_BURST - 1) * intervalMs);
      tat += intervalMs;
      last = Math.max(last, send);
    }
  }
  return last - start;
}

/** Resolves with the time every channel of `slack` first showed all groups whole, by `shown(message)`'s measure. */
function whenAllShown(
  slack: SlackServer,
  groupOf: (message: { text: string; attachments?: unknown[] }) => string | undefined,
) {
  return new Promise<number>((resolve) => {
    const timer = setTimeout(() => resolve(0), GIVE_UP_MS);
    slack.events.on('call', (call: { method: string; status: number; at: number }) => {
      if (call.status !== 200 || !call.method.startsWith('chat.')) return;
      if (countShown(slack, groupOf) === GROUPS) {
        clearTimeout(timer);
        resolve(call.at);
      }
    });
  });
}

function countShown(
  slack: SlackServer,
  groupOf: (message: { text: string; attachments?: unknown[] }) => string | undefined,
) {
  let shown = 0;
  for (const id of channelIds) {
    const groups = new Set<string>();
    for (const m of slack.state.visibleMessages(id)) {
      if (m.threadTs) continue;
      const group = groupOf(m);
      if (group) groups.add(group);
    }
    shown += groups.size;
  }
  return shown;
}

/** Opsdeck's message text: `FIRING … Storm12 … 20 firing`. */
const opsdeckGroup = (m: { text: string }) =>
  m.text.startsWith('FIRING') && m.text.includes(`${PER_GROUP} firing`) ? /Storm\d+/.exec(m.text)?.[0] : undefined;

/** Alertmanager's default Slack title: `[FIRING:20] Storm12 (…)`. */
const alertmanagerGroup = (m: { attachments?: unknown[] }) => {
  const title = String((m.attachments?.[0] as { title?: unknown } | undefined)?.title ?? '');
  return title.startsWith(`[FIRING:${PER_GROUP}]`) ? /Storm\d+/.exec(title)?.[0] : undefined;
};

function side(slack: SlackServer, end: number, start: number, groupOf: Parameters<typeof countShown>[1]): SideFigures {
  const ok = slack.calls.filter((c) => c.status === 200);
  const posts = ok.filter((c) => c.method === 'chat.postMessage');
  return {
    delivered: countShown(slack, groupOf),
    rateLimited: slack.calls.filter((c) => c.status === 429).length,
    // The two receivers are notified within milliseconds of each other, in either order.
    firstMessageSeconds: posts.length ? Math.max(0, posts[0]!.at - start) / 1000 : Number.NaN,
    seconds: end ? (end - start) / 1000 : Number.NaN,
    postsPerGroup: posts.length / GROUPS,
    updates: ok.filter((c) => c.method === 'chat.update').length,
  };
}

export async function benchAlerts(redisUrl: string): Promise<AlertStormFigures> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  const channels = channelIds.map((id, i) => ({ id, name: `storm-${i}` }));
  const slackA = await createSlackServer({ botToken, signingSecret, channels });
  const slackB = await createSlackServer({ botToken, signingSecret, channels });
  const routes = channels.map((c, i) => `    - { match: { team: t${i} }, channel: ${c.id} }`).join('\n');
  const opsdeck = await startBenchOpsdeck({
    slackApiUrl: slackA.apiUrl,
    botToken,
    signingSecret,
    redisUrl,
    redisPrefix: `benchalerts${Date.now()}`,
    // The storm digest is off: this measures how fast every group gets its own message.
    opsYml: `alerts:\n  digestBacklog: 10000\n  routes:\n${routes}\n`,
    vars: { WEBHOOK_TOKEN: token },
  });
  const proxy = await recordingProxy(() => opsdeck.url);
  const alertmanager = await startAlertmanager({
    config: alertmanagerConfig(`${proxy.url}/webhooks/alertmanager`, token, slackB.apiUrl, botToken),
  });

  try {
    const opsdeckDone = whenAllShown(slackA, opsdeckGroup);
    const alertmanagerDone = whenAllShown(slackB, alertmanagerGroup);
    const alerts = stormAlerts();
    const start = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < alerts.length) {
          const batch = alerts.slice(next, next + BATCH);
          next += BATCH;
          await alertmanager.postAlerts(batch);
        }
      }),
    );
    const [opsdeckEnd, alertmanagerEnd] = await Promise.all([opsdeckDone, alertmanagerDone]);
    // Times count from Alertmanager's first notification: what happens before it is Alertmanager's group_wait.
    const handover = proxy.whole.size ? Math.min(...proxy.whole.values()) : start;
    return {
      alerts: ALERTS,
      groups: GROUPS,
      channels: CHANNELS,
      minimumSeconds: minimumMs(proxy.whole, handover) / 1000,
      opsdeck: side(slackA, opsdeckEnd, handover, opsdeckGroup),
      alertmanager: side(slackB, alertmanagerEnd, handover, alertmanagerGroup),
    };
  } finally {
    await alertmanager.close();
    await proxy.close();
    await opsdeck.close();
    await slackA.close();
    await slackB.close();
  }
}

export function renderAlerts(f: AlertStormFigures): string {
  const row = (name: string, s: SideFigures) =>
    `| ${name} | ${s.delivered}/${f.groups} | ${s.rateLimited} | ${s.firstMessageSeconds.toFixed(2)} | ${
      Number.isNaN(s.seconds) ? `not done in ${GIVE_UP_MS / 1000}` : s.seconds.toFixed(1)
    } | ${f.minimumSeconds.toFixed(1)} | ${Number.isNaN(s.seconds) ? '–' : (s.seconds / f.minimumSeconds).toFixed(2)}× | ${s.postsPerGroup.toFixed(2)} | ${s.updates} |`;
  return [
    '## Alert storm',
    '',
    `${f.alerts} alerts in ${f.groups} groups over ${f.channels} channels, posted to a real Alertmanager 0.25 within`,
    `seconds (group_by alertname, group_wait ${GROUP_WAIT}, group_interval ${GROUP_INTERVAL}). It routes every group to`,
    "Opsdeck's webhook (Opsdeck then posts to Slack-compatible server A) and to its own `slack_configs` receiver",
    '(`api_url` = chat.postMessage on server B). Both servers enforce Slack’s limits (chat.postMessage 1/s per channel,',
    `burst ${SERVER_BURST}; chat.update Tier 3). Done: every channel shows every group with all ${PER_GROUP} alerts firing.`,
    'Times count from Alertmanager’s first notification (the end of its group_wait).',
    'Minimum: per channel, its groups in the order they reached the receivers whole, through a bucket of',
    `${SERVER_BURST} refilled once a second. 429s: requests the server answered 429 (Opsdeck’s outbox must never`,
    'meet one: it paces ahead of the limit).',
    '',
    '| receiver | groups shown | 429s | first message s | all shown s | minimum s | vs minimum | posts per group | edits |',
    '|---|---|---|---|---|---|---|---|---|',
    row('Opsdeck', f.opsdeck),
    row('Alertmanager slack_configs', f.alertmanager),
    '',
    'Target (issue #9): every group, no 429 left unhandled (no group lost), at most 1.2× the minimum.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchAlerts, renderAlerts, alertRatios);
