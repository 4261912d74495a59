import { setTimeout as delay } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import { NoMessageError, SlackApiError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { Enqueuer, JobHandler } from '../../platform/queue.js';
import type { RedisConnections } from '../../redis/connections.js';
import {
  DEFAULT_DELIVERY_POLICY,
  DEFAULT_RETRY_POLICY,
  type DeliveryPolicy,
  type RetryPolicy,
} from '../retry-policy.js';
import { callWebApi } from './attempt.js';
import { type DeadLetter, DeadLetters } from './dead-letters.js';
import { type DeliveredWrite, Delivery } from './delivery.js';
import { type MessageRef, MessageStore, type SlackMessage, type WriteOrigin } from './message-store.js';
import { type OutboxJob, outboxQueue, writeKey } from './outbox-queue.js';
import { paceFor } from './pace-rules.js';
import { Pacer } from './pacer.js';
import { withShortRetries } from './short-retries.js';

export type { DeadLetter } from './dead-letters.js';
export type { MessageRef, SlackMessage, WriteOrigin } from './message-store.js';

/** A reply through a `response_url` (slack-platform.md §3). */
export interface ResponseMessage {
  text: string;
  blocks?: unknown[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
  thread_ts?: string;
}

export interface OutboxOptions {
  client: WebClient;
  /** Where writes are enqueued: the job platform, which also runs `handler` in worker processes. */
  jobs: Enqueuer;
  redis: RedisConnections;
  metrics: Metrics;
  logger: Logger;
  /** Maximum age and backoff bounds of durable writes (OUTBOX_MAX_AGE_MS, OUTBOX_RETRY_MAX_DELAY_MS). */
  delivery?: Partial<DeliveryPolicy>;
  /** Short retries within one try (and of `call`). */
  retry?: RetryPolicy;
}

/** How long after a held reply's hold its job runs: its parent, due at the same time, has likely been posted then. */
const REPLY_AFTER_PARENT_MS = 100;

/** How long `call` waits for its turn in the pacer before it reports `ratelimited` instead. */
const CALL_MAX_WAIT_MS = 3000;

/**
 * Every Slack write goes through here. Writes are durable jobs in the `slack-outbox` queue: they survive restarts and
 * Slack outages, are paced to Slack's limits across every process, and are never silently dropped (see Delivery).
 * Only `call` talks to Slack at once, for what needs an answer now.
 */
export class SlackOutbox {
  private readonly store: MessageStore;
  private readonly pacer: Pacer;
  private readonly dead: DeadLetters;
  private readonly delivery: Delivery;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;

  constructor(private readonly options: OutboxOptions) {
    const { redis, logger } = options;
    this.log = logger.child({ module: 'slack.outbox' });
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
    // The outbox's keys live under `slack:` like a capability's.
    const key = (...parts: string[]) => redis.keys.capability('slack', ...parts);
    this.store = new MessageStore(redis.client, key);
    this.pacer = new Pacer(redis.client, key);
    this.dead = new DeadLetters(redis.client, key);
    this.delivery = new Delivery({
      client: options.client,
      redis: redis.client,
      key,
      store: this.store,
      pacer: this.pacer,
      deadLetters: this.dead,
      metrics: options.metrics,
      logger,
      retry: this.retry,
      delivery: { ...DEFAULT_DELIVERY_POLICY, ...options.delivery },
      enqueue: (job) => this.enqueue(job),
      delivered: (by, write) => this.listener?.(by, write),
    });
  }

  private listener?: (by: string, write: DeliveredWrite) => void;

  /** Who hears that a write with an `origin` reached Slack (the runtime passes it to the capability named `by`). */
  onDelivered(listener: (by: string, write: DeliveredWrite) => void): void {
    this.listener = listener;
  }

  /** The `slack-outbox` queue and its processor, for the job platform. */
  get handler(): JobHandler<OutboxJob> {
    return { queue: outboxQueue, process: (data, ctx) => this.delivery.process(data, ctx) };
  }

  /**
   * Posts to a `response_url`, durably. `key` (e.g. the calling job's id) makes it idempotent: the same key is
   * delivered once, however often a retried caller asks.
   */
  async respond(responseUrl: string, message: ResponseMessage, options: { key: string }): Promise<void> {
    await this.enqueue({ kind: 'respond', key: options.key, url: responseUrl, message: { ...message } });
  }

  /**
   * Posts a message once per `key`; later calls with the same key do nothing. Where it landed is kept in Redis under
   * the key (see `ref`), so `update` works from any process and after restarts. `threadKey` replies in the thread of
   * the message posted under that key (waiting for that post if it is still on its way). `notBefore` (ms since the
   * epoch) holds the post back until then; updates meanwhile only change what it will carry. `origin` (the capability
   * and when what it shows began) has that capability told once Slack took it (`Capability.delivered`).
   */
  async post(input: {
    key: string;
    channel: string;
    message: SlackMessage;
    threadKey?: string;
    notBefore?: number;
    origin?: WriteOrigin;
  }): Promise<void> {
    const key = writeKey.parse(input.key);
    if (input.threadKey !== undefined) writeKey.parse(input.threadKey);
    await this.store.create(key, input.channel, input.message, input.threadKey, input.origin);
    const notBefore = input.notBefore ? Math.round(input.notBefore) : undefined;
    // A reply held back whose parent is not posted yet (held too, as a runbook's progress message is) waits delayed
    // until just after its hold, rather than running now only to find the parent not posted and go back to wait, again
    // and again. One whose parent is posted takes its place in its channel's line now, as any held post does.
    const hold = notBefore === undefined ? 0 : notBefore - Date.now();
    const replyWaits = hold > 0 && input.threadKey !== undefined && !(await this.store.ref(input.threadKey)) ? hold : 0;
    // Enqueued even when the message existed: a caller retried after a failed enqueue must not lose its post (the
    // delivery skips a message that already has a ts).
    await this.enqueue(
      { kind: 'post', key, ...(notBefore !== undefined && { notBefore }) },
      replyWaits > 0 ? replyWaits + REPLY_AFTER_PARENT_MS : undefined,
    );
  }

  /**
   * Edits the message posted under `key`. Pending edits of one message coalesce: the delivery sends the newest
   * content, so twenty quick edits make a few `chat.update` calls and the last one wins. A post still pending
   * carries the newest content itself.
   *
   * `final` says this is the state the message is meant to rest in (a status with every result, a resolved alert):
   * it goes out as soon as chat.update's Tier 3 budget allows, not at the message's next once-a-second slot, and
   * ahead of other messages' edits waiting for that budget. Edits still pending are covered by it, never sent before
   * it. A later edit is paced as usual again. `origin` as for `post`.
   * @throws NoMessageError when nothing was posted under `key`
   */
  async update(input: { key: string; message: SlackMessage; final?: boolean; origin?: WriteOrigin }): Promise<void> {
    const key = writeKey.parse(input.key);
    const revised = await this.store.revise(key, input.message, input.final, input.origin);
    if (revised === undefined) throw new NoMessageError(key);
    // A post still on its way sends the newest content when it goes, and if it went with older content, its delivery
    // enqueues this edit itself (Delivery.followUp): a job now would only find it so ('with-post'). Quick runbook runs
    // and alerts held back by their group wait end up as one post, no edit, no job.
    if (revised.posted && revised.changed) await this.enqueue({ kind: 'update', key, version: revised.version });
  }

  /**
   * A message for one person about what they asked for in a channel: ephemeral there, or, when Slack refuses that for
   * good (they left the channel, the bot is not in it, the channel is gone), a direct message from the app, so that
   * what it says (a refusal, a confirmation) still reaches them. Sent now, as `call`.
   * @throws SlackApiError as `call`
   */
  async tell(input: { channel: string; userId: string; message: SlackMessage }): Promise<void> {
    try {
      await this.call('chat.postEphemeral', { channel: input.channel, user: input.userId, ...input.message });
    } catch (error) {
      if (!(error instanceof SlackApiError) || error.temporary) throw error;
      // chat.postMessage to a user id posts in the app's direct messages with them (Slack opens the conversation).
      await this.call('chat.postMessage', { channel: input.userId, ...input.message });
    }
  }

  /**
   * Calls a Web API method now, for what needs an answer (views.open, views.publish, conversations.create): paced
   * like every write and briefly retried, but not queued.
   * @throws SlackApiError with Slack's error code (or `ratelimited`, `http_503`, `request_error`), `temporary` when
   *   a later try may succeed (a job calling this is then retried by BullMQ instead of failed)
   */
  async call<T = Record<string, unknown>>(
    method: string,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T> {
    const rule = paceFor(method, typeof args.channel === 'string' ? args.channel : undefined);
    if (rule) {
      const turn = await this.pacer.reserve(rule, CALL_MAX_WAIT_MS);
      if (!turn.reserved) throw new SlackApiError(method, 'ratelimited', true);
      if (turn.waitMs > 0) await delay(turn.waitMs, undefined, { signal });
    }
    const outcome = await withShortRetries(method, () => callWebApi<T>(this.options.client, method, args), {
      policy: this.retry,
      metrics: this.options.metrics,
      log: this.log,
      random: Math.random,
      signal,
      onRateLimited: rule && ((ms) => this.pacer.holdOff(rule, ms)),
    });
    if (!outcome.ok) throw new SlackApiError(method, outcome.error, outcome.failure.kind !== 'permanent');
    return outcome.value;
  }

  /** Where the message posted under `key` is, once its post went through. */
  ref(key: string): Promise<MessageRef | undefined> {
    return this.store.ref(key);
  }

  /** The writes given up after their maximum age, newest first. */
  deadLetters(count?: number): Promise<DeadLetter[]> {
    return this.dead.list(count);
  }

  private enqueue(job: OutboxJob, delayMs?: number): Promise<void> {
    return this.options.jobs.enqueue(outboxQueue, job, delayMs ? { delayMs } : {});
  }
}
