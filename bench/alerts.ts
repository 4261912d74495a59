/**
 * Alert storm benchmark (issue #9), scaled to run within a minute on a shared 2-core machine: 2,000 alerts in 100
 * groups over 10 channels, sent as Alertmanager webhooks (each group twice: its first 10 alerts, then all 20, as
 * Alertmanager does after group_interval) to one Opsdeck process against the Slack-compatible server with Slack's
 * limits on. Reports groups delivered, 429s, the time to the first message, and the time until every channel shows
 * every group with all its alerts, against the least the per-channel limit allows. Run by `npm run bench`, or alone:
 * `tsx bench/alerts.ts`.
 */
import { randomBytes } from 'node:crypto';
import { parseCatalog } from '../src/config/catalog.js';
import { loadEnv } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { slackTransport, startOpsdeck } from '../src/runtime.js';
import { POST_MESSAGE_PER_SECOND } from '../src/slack/rate-tiers.js';
import { createSlackServer } from '../src/workspace/server.js';
import { runWhenMain } from './standalone.js';

const ALERTS = 2000;
const GROUPS = 100;
const CHANNELS = 10;
/** The local server's chat.postMessage burst per channel (RateLimiter's default). */
const SERVER_BURST = 4;
/** Webhooks in flight at once, as several Alertmanager notification pipelines would send them. */
const SENDERS = 20;

export interface AlertStormFigures {
  alerts: number;
  groups: number;
  channels: number;
  delivered: number;
  rateLimited: number;
  /** Groups missing at the end: a 429 (or anything) that lost a message. */
  lost: number;
  firstMessageSeconds: number;
  seconds: number;
  minimumSeconds: number;
  postsPerGroup: number;
  /** chat.update calls that went through: edits of messages already shown (Tier 3, 50 a minute for the app). */
  updates: number;
}

export async function benchAlerts(redisUrl: string): Promise<AlertStormFigures> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const token = randomBytes(16).toString('hex');
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({ id: `C0STORM${i}`, name: `storm-${i}` }));
  const slack = await createSlackServer({ botToken, signingSecret, channels });
  const vars = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: `benchalerts${Date.now()}`,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    WEBHOOK_TOKEN: token,
  };
  const env = loadEnv(vars);
  if (env.slack.mode === 'local') throw new Error('unreachable');
  const routes = channels.map((c, i) => `    - { match: { team: t${i} }, channel: ${c.id} }`).join('\n');
  const { catalog } = parseCatalog(`alerts:\n  digestBacklog: 1000\n  routes:\n${routes}\n`, vars);
  const opsdeck = await startOpsdeck({
    env,
    slack: slackTransport(env.slack),
    catalog,
    logger: createLogger({ level: 'silent' }),
  });

  const perGroup = ALERTS / GROUPS;
  const body = (g: number, count: number) => {
    const team = `t${g % CHANNELS}`;
    const alerts = Array.from({ length: count }, (_, a) => ({
      status: 'firing',
      labels: { alertname: `Storm${g}`, team, instance: `host-${a}`, severity: 'warning' },
      annotations: { summary: `Storm group ${g}` },
      startsAt: '2026-12-02T04:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example.com/graph',
      fingerprint: `${g.toString(16).padStart(8, '0')}${a.toString(16).padStart(8, '0')}`,
    }));
    return JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'opsdeck',
      groupKey: `{}:{alertname="Storm${g}"}`,
      groupLabels: { alertname: `Storm${g}` },
      commonLabels: { alertname: `Storm${g}`, team },
      commonAnnotations: {},
      externalURL: 'http://alertmanager.example.com',
      alerts,
    });
  };
  const bodies = [
    ...Array.from({ length: GROUPS }, (_, g) => body(g, perGroup / 2)),
    ...Array.from({ length: GROUPS }, (_, g) => body(g, perGroup)),
  ];

  try {
    const complete = (text: string) => text.includes(`${perGroup} firing`);
    let first = 0;
    const done = new Promise<number>((resolve) => {
      slack.events.on('call', (call: { method: string; status: number; at: number; params: { text?: unknown } }) => {
        if (call.status !== 200 || !String(call.params.text ?? '').startsWith('FIRING')) return;
        if (!first) first = call.at;
        const shown = channels.every(
          (c) =>
            slack.state.visibleMessages(c.id).filter((m) => !m.threadTs && complete(m.text)).length ===
            GROUPS / CHANNELS,
        );
        if (shown) resolve(call.at);
      });
    });
    const start = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < bodies.length) {
          const res = await fetch(`${opsdeck.url}/webhooks/alertmanager`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: bodies[next++]!,
          });
          if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
        }
      }),
    );
    const end = await Promise.race([done, new Promise<number>((resolve) => setTimeout(() => resolve(0), 120_000))]);
    const delivered = channels.reduce(
      (sum, c) => sum + slack.state.visibleMessages(c.id).filter((m) => !m.threadTs && complete(m.text)).length,
      0,
    );
    const posts = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.status === 200).length;
    const perChannel = GROUPS / CHANNELS;
    return {
      alerts: ALERTS,
      groups: GROUPS,
      channels: CHANNELS,
      delivered,
      rateLimited: slack.calls.filter((c) => c.status === 429).length,
      lost: GROUPS - delivered,
      firstMessageSeconds: (first - start) / 1000,
      seconds: end ? (end - start) / 1000 : Number.NaN,
      minimumSeconds: Math.max(0, perChannel - SERVER_BURST) / POST_MESSAGE_PER_SECOND,
      postsPerGroup: posts / GROUPS,
      updates: slack.calls.filter((c) => c.method === 'chat.update' && c.status === 200).length,
    };
  } finally {
    await opsdeck.close();
    await slack.close();
  }
}

export function renderAlerts(f: AlertStormFigures): string {
  const ratio = f.minimumSeconds ? (f.seconds / f.minimumSeconds).toFixed(2) : '–';
  return [
    '## Alert storm',
    '',
    `${f.alerts} alerts in ${f.groups} groups over ${f.channels} channels, as Alertmanager webhooks (each group twice:`,
    'half its alerts, then all), into one Opsdeck process against the Slack-compatible server with its limits on',
    `(chat.postMessage 1/s per channel, burst ${SERVER_BURST}). Done: every channel shows every group with all its alerts.`,
    "Minimum: each channel's burst at once, then one post per second.",
    '',
    '| groups delivered | 429s | groups lost | first message s | seconds | minimum s | vs minimum | posts per group | edits |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${f.delivered}/${f.groups} | ${f.rateLimited} | ${f.lost} | ${f.firstMessageSeconds.toFixed(2)} | ${f.seconds.toFixed(1)} | ${f.minimumSeconds} | ${ratio}× | ${f.postsPerGroup.toFixed(2)} | ${f.updates} |`,
    '',
    'Target (issue #9): every group, no 429 left unhandled (no group lost), at most 1.2× the minimum.',
    '',
  ].join('\n');
}

await runWhenMain(import.meta.url, benchAlerts, renderAlerts);
