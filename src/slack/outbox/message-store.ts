import { randomUUID } from 'node:crypto';
import type { RedisCommands } from '../../redis/connections.js';

/** A message as Opsdeck asks for it (chat.postMessage / chat.update arguments besides channel and ts). */
export interface SlackMessage {
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  unfurl_links?: boolean;
  unfurl_media?: boolean;
}

/** Where a posted message lives: what chat.update needs. */
export interface MessageRef {
  channel: string;
  ts: string;
}

/** One keyed message: the latest content asked for, its version, the version Slack has, and where it was posted. */
export interface StoredMessage {
  channel: string;
  content: SlackMessage;
  /** Bumped by every update; the post is version 1. */
  version: number;
  /** The version Slack shows (0 until posted). */
  delivered: number;
  threadKey?: string;
  /** Set once the post went through. */
  ts?: string;
  /** The newest version is the state the message is meant to rest in (see `SlackOutbox.update`). */
  final?: boolean;
  /** A post's try that may have reached Slack without its answer being recorded (see `Delivery.post`). */
  attempt?: PostAttempt;
}

/** Who asked for a write and since when, to be told when it reached Slack (`Capability.delivered`). */
export interface WriteOrigin {
  /** The capability. */
  by: string;
  /** When what the write shows began (a webhook's arrival), ms since the epoch. */
  at: number;
}

/** Versions newly shown by a delivery: when each was asked of the outbox, and its origin. */
export interface Shown {
  askedAt: number;
  origin?: WriteOrigin;
}

/** A post's try in flight: when it started (ms since the epoch) and the version it carried. */
export interface PostAttempt {
  at: number;
  version: number;
}

/** Keyed messages outlive restarts and replicas for this long after their last change (incidents run for days). */
const MESSAGE_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Creates the message under KEYS[1] unless it exists. ARGV: channel, content, threadKey, ttl, asked (ms), origin
 * (JSON or ''). Returns 1 if created.
 */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'content', ARGV[2], 'version', 1, 'delivered', 0, 'asked:1', ARGV[5])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'thread', ARGV[3]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'origin:1', ARGV[6]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

/**
 * Replaces the content of KEYS[1] and bumps its version; `final` names the version when it is the message's final
 * state. ARGV: content, ttl, final ('1' or ''), asked (ms), origin (JSON or ''). Returns {the new version (0 if
 * unknown), 1 if the post went through (a ts is recorded), 1 if it changed}: read in the same script as the bump, so
 * a post delivered after it always sees the new version (DELIVERED returns it). Content the message already has (and
 * no final state it lacks) changes nothing: no version, so no edit, which Slack would mark "(edited)" for nothing.
 */
const REVISE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0} end
if redis.call('HGET', KEYS[1], 'content') == ARGV[1] then
  local current = redis.call('HGET', KEYS[1], 'version')
  if ARGV[3] ~= '1' or redis.call('HGET', KEYS[1], 'final') == current then
    redis.call('EXPIRE', KEYS[1], ARGV[2])
    return {tonumber(current), redis.call('HEXISTS', KEYS[1], 'ts'), 0}
  end
end
redis.call('HSET', KEYS[1], 'content', ARGV[1])
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'asked:' .. version, ARGV[4])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[1], 'origin:' .. version, ARGV[5]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'final', version) else redis.call('HDEL', KEYS[1], 'final') end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {version, redis.call('HEXISTS', KEYS[1], 'ts'), 1}
`;

/**
 * Records that Slack shows `version` (never moving backwards) and, for a post, where. ARGV: version, channel, ts
 * (both '' for an update). Returns the current version, so the caller sees an edit that arrived meanwhile, then when
 * each version newly shown was asked for and its origin (pairs; the origin '' when it had none).
 */
const DELIVERED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'channel', ARGV[2], 'ts', ARGV[3]) redis.call('HDEL', KEYS[1], 'attempt') end
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
local shown = tonumber(ARGV[1])
local out = {tonumber(redis.call('HGET', KEYS[1], 'version'))}
if shown > delivered then
  redis.call('HSET', KEYS[1], 'delivered', shown)
  for v = delivered + 1, shown do
    local asked = redis.call('HGET', KEYS[1], 'asked:' .. v)
    if asked then
      table.insert(out, asked)
      table.insert(out, redis.call('HGET', KEYS[1], 'origin:' .. v) or '')
      redis.call('HDEL', KEYS[1], 'asked:' .. v, 'origin:' .. v)
    end
  end
end
return out
`;

/**
 * Keyed messages in Redis: so an edit finds its message from any process and after a restart, and pending edits
 * collapse into the latest content (a delivery always sends what is newest when it sends).
 */
export class MessageStore {
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {}

  /** Returns false when a message already exists under `key` (a post is once per key). */
  async create(
    key: string,
    channel: string,
    content: SlackMessage,
    threadKey?: string,
    origin?: WriteOrigin,
  ): Promise<boolean> {
    const created = await this.redis.eval(
      CREATE,
      1,
      this.hash(key),
      channel,
      JSON.stringify(content),
      threadKey ?? '',
      MESSAGE_TTL_SECONDS,
      Date.now(),
      origin ? JSON.stringify(origin) : '',
    );
    return created === 1;
  }

  /**
   * Returns the new version, whether the post went through already and whether anything changed (the same content is
   * no new version), or undefined when nothing was posted under `key`.
   */
  async revise(
    key: string,
    content: SlackMessage,
    final = false,
    origin?: WriteOrigin,
  ): Promise<{ version: number; posted: boolean; changed: boolean } | undefined> {
    const [version, posted, changed] = (await this.redis.eval(
      REVISE,
      1,
      this.hash(key),
      JSON.stringify(content),
      MESSAGE_TTL_SECONDS,
      final ? '1' : '',
      Date.now(),
      origin ? JSON.stringify(origin) : '',
    )) as [number, number, number];
    return version === 0 ? undefined : { version, posted: posted === 1, changed: changed === 1 };
  }

  async get(key: string): Promise<StoredMessage | undefined> {
    const h = await this.redis.hgetall(this.hash(key));
    if (!h.version || !h.content || !h.channel) return undefined;
    return {
      channel: h.channel,
      content: JSON.parse(h.content) as SlackMessage,
      version: Number(h.version),
      delivered: Number(h.delivered ?? 0),
      ...(h.thread ? { threadKey: h.thread } : {}),
      ...(h.ts ? { ts: h.ts } : {}),
      ...(h.final !== undefined && h.final === h.version ? { final: true } : {}),
      ...(h.attempt ? { attempt: parseAttempt(h.attempt) } : {}),
    };
  }

  /**
   * Notes a post's try before it is sent: if the sender dies before it records Slack's answer (or the answer is lost),
   * the next try knows to look for the message first. `undefined` forgets it (Slack said no, so nothing was posted).
   */
  async attempt(key: string, attempt: PostAttempt | undefined): Promise<void> {
    if (attempt) await this.redis.hset(this.hash(key), 'attempt', `${attempt.at}:${attempt.version}`);
    else await this.redis.hdel(this.hash(key), 'attempt');
  }

  async ref(key: string): Promise<MessageRef | undefined> {
    const [channel, ts] = await this.redis.hmget(this.hash(key), 'channel', 'ts');
    return channel && ts ? { channel, ts } : undefined;
  }

  /**
   * @returns the message's current version (higher than `version` when an edit arrived meanwhile), and the versions
   *   this delivery newly shows (for the delivery latency)
   */
  async delivered(key: string, version: number, posted?: MessageRef): Promise<{ version: number; shown: Shown[] }> {
    const [current, ...pairs] = (await this.redis.eval(
      DELIVERED,
      1,
      this.hash(key),
      version,
      posted?.channel ?? '',
      posted?.ts ?? '',
    )) as [number, ...string[]];
    const shown: Shown[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const origin = pairs[i + 1] ? (JSON.parse(pairs[i + 1]!) as WriteOrigin) : undefined;
      shown.push({ askedAt: Number(pairs[i]), ...(origin ? { origin } : {}) });
    }
    return { version: current, shown };
  }

  /**
   * One edit of a message in flight at a time, so an older content can never land after a newer one. The lock
   * expires on its own if its holder dies.
   * @returns a release function, or undefined when another delivery holds it
   */
  async lock(key: string, ms: number): Promise<(() => Promise<void>) | undefined> {
    const lockKey = this.key('msg-lock', key);
    const token = randomUUID();
    if ((await this.redis.set(lockKey, token, 'PX', ms, 'NX')) !== 'OK') return undefined;
    return async () => {
      await this.redis.eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        lockKey,
        token,
      );
    };
  }

  private hash(key: string): string {
    return this.key('msg', key);
  }
}

function parseAttempt(value: string): PostAttempt {
  const [at, version] = value.split(':').map(Number);
  return { at: at ?? 0, version: version ?? 1 };
}
