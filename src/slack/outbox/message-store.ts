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
}

/** Keyed messages outlive restarts and replicas for this long after their last change (incidents run for days). */
const MESSAGE_TTL_SECONDS = 30 * 24 * 3600;

/** Creates the message under KEYS[1] unless it exists. ARGV: channel, content, threadKey, ttl. Returns 1 if created. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'channel', ARGV[1], 'content', ARGV[2], 'version', 1, 'delivered', 0)
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'thread', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

/**
 * Replaces the content of KEYS[1] and bumps its version; `final` names the version when it is the message's final
 * state. ARGV: content, ttl, final ('1' or ''). Returns the new version, 0 if unknown.
 */
const REVISE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'content', ARGV[1])
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'final', version) else redis.call('HDEL', KEYS[1], 'final') end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return version
`;

/**
 * Records that Slack shows `version` (never moving backwards) and, for a post, where. ARGV: version, channel, ts
 * (both '' for an update). Returns the current version, so the caller sees an edit that arrived meanwhile.
 */
const DELIVERED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'channel', ARGV[2], 'ts', ARGV[3]) end
local delivered = tonumber(redis.call('HGET', KEYS[1], 'delivered') or '0')
if tonumber(ARGV[1]) > delivered then redis.call('HSET', KEYS[1], 'delivered', ARGV[1]) end
return tonumber(redis.call('HGET', KEYS[1], 'version'))
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
  async create(key: string, channel: string, content: SlackMessage, threadKey?: string): Promise<boolean> {
    const created = await this.redis.eval(
      CREATE,
      1,
      this.hash(key),
      channel,
      JSON.stringify(content),
      threadKey ?? '',
      MESSAGE_TTL_SECONDS,
    );
    return created === 1;
  }

  /** Returns the new version, or undefined when nothing was posted under `key`. */
  async revise(key: string, content: SlackMessage, final = false): Promise<number | undefined> {
    const version = (await this.redis.eval(
      REVISE,
      1,
      this.hash(key),
      JSON.stringify(content),
      MESSAGE_TTL_SECONDS,
      final ? '1' : '',
    )) as number;
    return version === 0 ? undefined : version;
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
    };
  }

  async ref(key: string): Promise<MessageRef | undefined> {
    const [channel, ts] = await this.redis.hmget(this.hash(key), 'channel', 'ts');
    return channel && ts ? { channel, ts } : undefined;
  }

  /** @returns the message's current version (higher than `version` when an edit arrived meanwhile) */
  async delivered(key: string, version: number, posted?: MessageRef): Promise<number> {
    return (await this.redis.eval(
      DELIVERED,
      1,
      this.hash(key),
      version,
      posted?.channel ?? '',
      posted?.ts ?? '',
    )) as number;
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
