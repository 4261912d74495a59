import { setTimeout as delay } from 'node:timers/promises';
import type { WebClient } from '@slack/web-api';
import { UnrecoverableError } from 'bullmq';
import type { Logger } from '../../log.js';
import type { Metrics } from '../../metrics.js';
import type { JobContext } from '../../platform/queue.js';
import type { RedisCommands } from '../../redis/connections.js';
import { type DeliveryPolicy, type Failure, type RetryPolicy, redelivery } from '../retry-policy.js';
import { type AttemptOutcome, callWebApi, postToResponseUrl } from './attempt.js';
import type { DeadLetters } from './dead-letters.js';
import { findPost, searchMethod, writeMetadata } from './find-post.js';
import type { MessageStore, Shown, SlackMessage, StoredMessage } from './message-store.js';
import type { OutboxJob } from './outbox-queue.js';
import { editPaceFor, type PaceRule, paceFor } from './pace-rules.js';
import type { Pacer, Priority } from './pacer.js';
import { withShortRetries } from './short-retries.js';

export interface DeliveryDeps {
  client: WebClient;
  redis: RedisCommands;
  key: (...parts: string[]) => string;
  store: MessageStore;
  pacer: Pacer;
  deadLetters: DeadLetters;
  metrics: Metrics;
  logger: Logger;
  retry: RetryPolicy;
  delivery: DeliveryPolicy;
  /** Enqueues an edit that a post found waiting behind it. */
  enqueue(job: OutboxJob): Promise<void>;
  /** Tells the capability `by` that a write it gave an origin reached Slack. */
  delivered?: (by: string, write: DeliveredWrite) => void;
  now?: () => number;
  random?: () => number;
}

/** A write that reached Slack, as its capability is told (`Capability.delivered`). */
export interface DeliveredWrite {
  method: string;
  /** From the write's `origin.at` to Slack's answer. */
  seconds: number;
}

/** What a delivery did, as the job's return value (visible in BullMQ and in tests). */
export type DeliveryResult = 'sent' | 'already-sent' | 'adopted' | 'coalesced' | 'with-post';

/** A response_url answered once is not answered again by a rerun of its job, for this long. */
const RESPONDED_TTL_SECONDS = 24 * 3600;

/** A post's reserved turn, kept in its job's data while it waits delayed. */
interface Turn {
  bucket: string;
  /** When the turn starts, ms since the epoch. */
  at: number;
}

/**
 * How late a post may come back for its turn and still take it: half the slack the pacer leaves below Slack's burst
 * (one interval), so a late post never meets the next turn's post inside Slack's window.
 */
const TURN_TOLERANCE_MS = 500;

/** A post waiting delayed comes back this much before its turn (promotion and pickup take a few ms). */
const TURN_EARLY_MS = 100;

/** Covers a call's short retries (each up to 10 s); a dead holder's lock frees itself after it. */
const EDIT_LOCK_MS = 40_000;

/** How long a final edit waits for the send of an earlier edit of its message before it queues again. */
const FINAL_LOCK_WAIT_MS = 5000;
const LOCK_POLL_MS = 20;

/**
 * The outbox worker: takes one write, waits for its turn in the shared pacer, calls Slack, and decides what a failure
 * means — a temporary one moves the job back to delayed (honouring Retry-After) until the write's maximum age, then
 * dead-letters it; a permanent one fails the job once.
 */
/** One run of one outbox job: its data as stored, and what the job platform lets a processor do. */
interface Run {
  ctx: JobContext;
  data: OutboxJob;
}

export class Delivery {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly deps: DeliveryDeps) {
    this.log = deps.logger.child({ module: 'slack.outbox' });
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
  }

  /** The processor of `slack-outbox` (the job platform has parsed `data` with the queue's schema). */
  async process(data: OutboxJob, ctx: JobContext): Promise<DeliveryResult> {
    const run: Run = { ctx, data };
    switch (data.kind) {
      case 'respond':
        return this.respond(run, data, ctx.signal);
      case 'post':
        return this.post(run, data.key, data.notBefore ?? 0, ctx.signal);
      case 'update':
        return this.update(run, data.key, data.version, ctx.signal);
    }
  }

  private async respond(
    run: Run,
    data: Extract<OutboxJob, { kind: 'respond' }>,
    signal?: AbortSignal,
  ): Promise<DeliveryResult> {
    const done = this.deps.key('responded', data.key);
    if ((await this.deps.redis.exists(done)) === 1) return 'already-sent';
    const outcome = await this.tryCall('response_url', undefined, signal, () =>
      postToResponseUrl(data.url, data.message, signal),
    );
    if (!outcome.ok) return this.settle(run, 'response_url', data.key, outcome);
    await this.deps.redis.set(done, '1', 'EX', RESPONDED_TTL_SECONDS);
    this.reached('response_url', [{ askedAt: run.ctx.enqueuedAt }]);
    return 'sent';
  }

  /**
   * Posts the newest content once. Before the call the try is noted in the message store; when a try may have reached
   * Slack without its answer being recorded (the worker died, or the answer was lost), the next one first looks for
   * the message by the key in its metadata and adopts it instead of posting twice. So a post is never retried inside
   * one attempt either: an unclear failure goes back to the queue and is looked up on its return.
   */
  private async post(run: Run, key: string, notBefore: number, signal?: AbortSignal): Promise<DeliveryResult> {
    const method = 'chat.postMessage';
    const message = await this.deps.store.get(key);
    if (!message) return this.fail(method, key, 'message_not_stored');
    if (message.ts) {
      // A rerun after the post went through: only the follow-up edit may be missing.
      await this.followUp(key, message.delivered, message.version);
      return 'already-sent';
    }
    let threadTs: string | undefined;
    if (message.threadKey) {
      const parent = await this.deps.store.get(message.threadKey);
      // The parent's own post is not stored yet (another process enqueues it a moment later) or still on its way:
      // wait for it like for Slack, within the same maximum age.
      if (!parent?.ts) return this.settle(run, method, key, temporary('thread_parent_pending'));
      threadTs = parent.ts;
    }
    if (message.attempt && (await this.adopt(run, key, message, threadTs, signal))) return 'adopted';
    const rule = paceFor(method, message.channel);
    await this.awaitTurn(run, rule, notBefore, signal);
    // Each try sends the newest content: an edit made while the post waited rides along.
    let sent = message;
    const once = async () => {
      sent = (await this.deps.store.get(key)) ?? message;
      await this.deps.store.attempt(key, { at: this.now(), version: sent.version });
      return callWebApi<{ channel?: string; ts?: string }>(this.deps.client, method, {
        channel: sent.channel,
        ...contentArgs(sent.content),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        metadata: writeMetadata(key),
      });
    };
    const outcome = await this.tryCall(method, rule, signal, once, { ...this.deps.retry, maxAttempts: 1 });
    if (!outcome.ok) {
      // Slack refused it (a 429, an error code): nothing was posted, so the next try needs no lookup.
      if (outcome.failure.kind === 'ratelimited' || outcome.failure.kind === 'permanent') {
        await this.deps.store.attempt(key, undefined);
      }
      return this.settle(run, method, key, outcome);
    }
    const ref = { channel: outcome.value.channel ?? sent.channel, ts: outcome.value.ts ?? '' };
    const current = await this.deps.store.delivered(key, sent.version, ref);
    this.reached(method, current.shown);
    await this.followUp(key, sent.version, current.version);
    return 'sent';
  }

  /**
   * Looks for the post an earlier try may have made (by the key in its metadata, around the try's time) and, when
   * Slack has it, records it as this post. Returns false when Slack has none: the earlier try never arrived.
   */
  private async adopt(
    run: Run,
    key: string,
    message: StoredMessage,
    threadTs: string | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const attempt = message.attempt!;
    const search = { channel: message.channel, key, threadTs, attemptAt: attempt.at };
    const method = searchMethod(search);
    const rule = paceFor(method);
    const found = await findPost(async (m, args) => {
      await this.pace(run, rule, signal);
      return this.tryCall(m, rule, signal, () => callWebApi(this.deps.client, m, args));
    }, search);
    if (!found.ok && found.failure.kind === 'permanent') {
      // No way to look (a missing history scope, a DM addressed by user id): posting again may show it twice, which
      // beats never showing it.
      this.log.warn({ key, method, error: found.error }, 'cannot look for a post that may have reached Slack');
      return false;
    }
    if (!found.ok) return this.settle(run, method, key, found);
    if (!found.value) return false;
    const current = await this.deps.store.delivered(key, attempt.version, found.value);
    this.reached('chat.postMessage', current.shown);
    await this.followUp(key, attempt.version, current.version);
    this.log.info({ key, ts: found.value.ts }, 'found the post an earlier try made: adopted, not posted again');
    return true;
  }

  /**
   * Slack took a write: each version it shows now counts in `opsdeck_slack_write_seconds` from when it was asked of
   * the outbox (an edit covered by a later one: until that one was taken), and the capability it came from is told.
   */
  private reached(method: string, shown: readonly Shown[]): void {
    const now = this.now();
    for (const { askedAt, origin } of shown) {
      this.deps.metrics.slackWrites.observe({ method }, Math.max(0, now - askedAt) / 1000);
      if (origin) this.deps.delivered?.(origin.by, { method, seconds: Math.max(0, now - origin.at) / 1000 });
    }
  }

  /** An edit that arrived while the post was sent found no ts and left its delivery to the post: enqueue it. */
  private async followUp(key: string, delivered: number, version: number): Promise<void> {
    if (version > delivered) await this.deps.enqueue({ kind: 'update', key, version, afterPost: true });
  }

  /**
   * Sends the newest content of a posted message. An edit first waits for its message's next slot (one edit a
   * second), holding nothing meanwhile; a final state (see `SlackOutbox.update`) skips that wait and asks chat.update's
   * budget with high priority. Only the send itself is locked, so an edit waiting for its slot never holds a final one
   * back: the final goes first and the waiting edit finds itself covered. An edit of an older version than the store
   * holds leaves the sending to the newer version's job (enqueued after the store took it), so a message has one edit
   * waiting for chat.update's budget, not one per version.
   */
  private async update(run: Run, key: string, version: number, signal?: AbortSignal): Promise<DeliveryResult> {
    const method = 'chat.update';
    const message = await this.deps.store.get(key);
    if (!message) return this.fail(method, key, 'message_not_stored');
    if (message.delivered >= version || message.version > version) return 'coalesced';
    if (!message.ts) return 'with-post';
    const rule = paceFor(method);
    if (!message.final) await this.pace(run, editPaceFor(key), signal);
    // While this edit waited, another may have shown it, or a final state may have come.
    const latest = (await this.deps.store.get(key)) ?? message;
    if (latest.delivered >= version || latest.version > version) return 'coalesced';
    await this.pace(run, rule, signal, latest.final ? 'high' : 'low');
    const release = await this.lockSend(key, latest.final === true, signal);
    // Another edit of this message is being sent: come back after it, when this one will likely be covered.
    if (!release) return this.later(run, (rule?.intervalMs ?? 1000) * (1 + this.random()));
    try {
      // The send just before this one may have shown this version already.
      if (((await this.deps.store.get(key))?.delivered ?? 0) >= version) return 'coalesced';
      let sent = message;
      const outcome = await this.tryCall(method, rule, signal, async () => {
        sent = (await this.deps.store.get(key)) ?? message;
        return callWebApi(this.deps.client, method, {
          channel: sent.channel,
          ts: sent.ts,
          ...contentArgs(sent.content),
        });
      });
      if (!outcome.ok) return this.settle(run, method, key, outcome);
      this.reached(method, (await this.deps.store.delivered(key, sent.version)).shown);
      return 'sent';
    } finally {
      await release();
    }
  }

  /**
   * One send of a message's edit at a time, so older content never lands after newer. A final state waits for the
   * send in flight (one HTTP call) rather than going back to the queue.
   */
  private async lockSend(key: string, final: boolean, signal?: AbortSignal) {
    const until = this.now() + (final ? FINAL_LOCK_WAIT_MS : 0);
    for (;;) {
      const release = await this.deps.store.lock(key, EDIT_LOCK_MS);
      if (release || this.now() >= until) return release;
      await delay(LOCK_POLL_MS, undefined, { signal });
    }
  }

  /**
   * Takes this post's turn in its channel's line, however far ahead, so posts to one channel go in the order they
   * reached a worker and nobody asks the pacer twice. A turn more than an interval away is kept in the job's data
   * while the job waits delayed (the worker slot is free meanwhile); a job that comes back too late for its turn
   * (a busy or restarted worker) lets it go and queues again, because sending late would bunch it with the next turn.
   * A post held back (`notBefore`) takes its place in line now, as the line will stand then: in a storm the line is
   * longer than the hold anyway, so holding costs nothing there.
   */
  private async awaitTurn(run: Run, rule: PaceRule | undefined, notBefore: number, signal?: AbortSignal) {
    if (!rule) return;
    const kept = (run.data as { turn?: Turn }).turn;
    let at: number;
    if (kept && kept.bucket === rule.key && this.now() - kept.at <= TURN_TOLERANCE_MS) {
      at = kept.at;
    } else {
      const turn = await this.deps.pacer.reserve(rule, Number.MAX_SAFE_INTEGER, notBefore || undefined);
      at = this.now() + (turn.reserved ? turn.waitMs : 0);
    }
    const wait = at - this.now();
    if (wait > rule.intervalMs) {
      await run.ctx.save({ ...run.data, turn: { bucket: rule.key, at } satisfies Turn });
      return this.later(run, wait - TURN_EARLY_MS);
    }
    if (wait > 0) await delay(wait, undefined, { signal });
  }

  /**
   * Waits for this write's turn in the shared bucket: sleeps when the turn is within one interval, otherwise hands
   * the worker slot back and returns to the queue when the turn is near (with jitter, so waiting jobs do not all come
   * back at once).
   */
  private async pace(run: Run, rule: PaceRule | undefined, signal?: AbortSignal, priority?: Priority) {
    if (!rule) return;
    const turn = await this.deps.pacer.reserve(rule, rule.intervalMs, undefined, priority, { line: true });
    if (turn.reserved) {
      if (turn.waitMs > 0) await delay(turn.waitMs, undefined, { signal });
      return;
    }
    // Its own time in the bucket's waiting line (see Pacer): waiting writes come back one by one, not all at once.
    await this.later(run, turn.retryInMs + this.random() * (rule.intervalMs / 4));
  }

  private tryCall<T>(
    method: string,
    rule: PaceRule | undefined,
    signal: AbortSignal | undefined,
    once: () => Promise<AttemptOutcome<T>>,
    policy: RetryPolicy = this.deps.retry,
  ): Promise<AttemptOutcome<T>> {
    return withShortRetries(method, once, {
      policy,
      metrics: this.deps.metrics,
      log: this.log,
      random: this.random,
      signal,
      onRateLimited: rule && ((ms) => this.deps.pacer.holdOff(rule, ms)),
    });
  }

  /** After the short retries failed: back to the queue, dead-lettered, or failed for good. */
  private async settle(
    run: Run,
    method: string,
    key: string,
    outcome: { failure: Failure; error: string },
  ): Promise<never> {
    const ageMs = this.now() - run.ctx.enqueuedAt;
    const next = redelivery(outcome.failure, ageMs, this.deps.delivery, this.random());
    if (next.action === 'fail') return this.fail(method, key, outcome.error);
    if (next.action === 'retry') {
      this.log.warn({ method, key, error: outcome.error, retryInMs: next.delayMs }, 'slack write waits for Slack');
      return this.later(run, next.delayMs);
    }
    await this.deps.deadLetters.add({ method, key, error: outcome.error, job: run.data });
    this.deps.metrics.slackDeadLetters.inc({ method });
    this.log.error({ method, key, error: outcome.error, ageMs }, 'slack write dead-lettered after its maximum age');
    throw new UnrecoverableError(`Slack ${method} dead-lettered after ${ageMs} ms: ${outcome.error}`);
  }

  private fail(method: string, key: string, error: string): never {
    this.log.warn({ method, key, error }, 'slack write failed permanently');
    throw new UnrecoverableError(`Slack ${method} failed: ${error}`);
  }

  /** Back to the queue, delayed; not an attempt (BullMQ's attempts are kept for unexpected errors). */
  private later(run: Run, ms: number): Promise<never> {
    return run.ctx.later(ms);
  }
}

function temporary(error: string): { failure: Failure; error: string } {
  return { failure: { kind: 'server', status: 0 }, error };
}

/** chat.postMessage / chat.update arguments from a message, without the fields it leaves out. */
function contentArgs(content: SlackMessage): Record<string, unknown> {
  return Object.fromEntries(Object.entries(content).filter(([, value]) => value !== undefined));
}
