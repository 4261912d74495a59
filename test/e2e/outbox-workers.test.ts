import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobQueues } from '../../src/jobs/queues.js';
import { createLogger } from '../../src/log.js';
import { createMetrics } from '../../src/metrics.js';
import type { QueueDef } from '../../src/platform/queue.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connections.js';
import { redisKeys } from '../../src/redis/keys.js';
import { createSlackClient } from '../../src/slack/client.js';
import { SlackOutbox } from '../../src/slack/outbox/outbox.js';
import { outboxQueue } from '../../src/slack/outbox/outbox-queue.js';
import { createSlackServer, type RecordedCall, type SlackServer } from '../../src/workspace/server.js';
import { CHANNEL } from '../support/harness.js';
import { type OutboxWatch, watchOutbox } from '../support/outbox.js';
import { type OpsdeckProcess, spawnOpsdeck } from '../support/process.js';
import { deletePrefix, redisClient, redisUrl, uniquePrefix } from '../support/redis.js';

/**
 * Issue #7 item 5: three worker processes share the pacing through Redis, so together they never send more than one
 * would. The workspace enforces Slack's limit (chat.postMessage about 1/s per channel, a short burst) and answers 429
 * past it; the writes come from this process's outbox, the deliveries from three real `ROLE=worker` processes.
 */
const MESSAGES = 60;
const botToken = `xoxb-test-${randomBytes(8).toString('hex')}`;
const signingSecret = randomBytes(16).toString('hex');
const prefix = uniquePrefix();
let slack: SlackServer;
let redis: RedisConnections;
let outbox: SlackOutbox;
let producer: JobQueues | undefined;
let watch: OutboxWatch;
const workers: OpsdeckProcess[] = [];

beforeAll(async () => {
  slack = await createSlackServer({ botToken, signingSecret, channels: [{ id: CHANNEL, name: 'ops' }] });
  const env = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redisUrl(),
    REDIS_PREFIX: prefix,
    ROLE: 'worker',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  for (const id of ['worker-a', 'worker-b', 'worker-c']) workers.push(spawnOpsdeck({ ...env, WORKER_ID: id }));
  await Promise.all(workers.map((w) => w.waitForLog((line) => line.msg === 'opsdeck started')));
  const logger = createLogger({ level: 'silent' });
  redis = connectRedis(redisUrl(), redisKeys(prefix), logger);
  await redis.client.connect();
  // This process only enqueues: the three workers deliver.
  producer = new JobQueues(redis, [outboxQueue as QueueDef<unknown>], logger);
  outbox = new SlackOutbox({
    client: createSlackClient(botToken, slack.apiUrl),
    jobs: producer,
    redis,
    metrics: createMetrics(),
    logger,
  });
  watch = await watchOutbox(redis);
}, 60_000);

afterAll(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGTERM');
  await Promise.all(workers.map((w) => w.exited));
  await watch?.close();
  await producer?.close();
  await redis?.close();
  await slack?.close();
  const client = redisClient();
  await deletePrefix(client, prefix);
  client.disconnect();
});

/** Resolves once `count` recorded calls match (already recorded or still to come). */
function callsMatching(predicate: (c: RecordedCall) => boolean, count: number): Promise<RecordedCall[]> {
  return new Promise((resolve) => {
    const check = () => {
      const found = slack.calls.filter(predicate);
      if (found.length < count) return;
      slack.events.off('call', check);
      resolve(found);
    };
    slack.events.on('call', check);
    check();
  });
}

describe('three worker processes posting to one channel', () => {
  it(`deliver ${MESSAGES} messages, none lost, none twice, never past Slack's limit`, {
    timeout: 150_000,
  }, async () => {
    const keys = Array.from({ length: MESSAGES }, (_, i) => `burst-${i}`);
    for (const [i, key] of keys.entries()) {
      await outbox.post({ key, channel: CHANNEL, message: { text: `message ${i}` } });
    }
    const posts = (c: RecordedCall) => c.method === 'chat.postMessage';
    await callsMatching((c) => posts(c) && c.status === 200, MESSAGES);
    // Every write finished: nothing is left that could still be sent a second time.
    expect(await Promise.all(keys.map((key) => watch.finished({ kind: 'post', key })))).toEqual(keys.map(() => 'sent'));

    const answered = slack.calls.filter(posts);
    expect(answered.filter((c) => c.status === 429)).toEqual([]);
    expect(answered).toHaveLength(MESSAGES);
    const texts = slack.state.messages.get(CHANNEL)!.map((m) => m.text);
    expect(texts.toSorted()).toEqual(keys.map((_, i) => `message ${i}`).toSorted());
    for (const [i, key] of keys.entries()) {
      const ref = await outbox.ref(key);
      expect(slack.state.messages.get(CHANNEL)!.find((m) => m.ts === ref?.ts)?.text).toBe(`message ${i}`);
    }
  });
});
