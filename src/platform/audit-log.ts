import { createHash } from 'node:crypto';
import type { RedisCommands } from '../redis/connections.js';
import type { RedisKeys } from '../redis/keys.js';

/** One audit record: who did what to which target, when, and how it ended. */
export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  /** `noop`: allowed, but it changed nothing; `invalid`: a form answered with field errors. */
  outcome: 'ok' | 'noop' | 'denied' | 'failed' | 'invalid';
  detail?: string;
  at: Date;
}

export interface AuditEntry extends Omit<AuditInput, 'at'> {
  id: string;
  at: string;
  hash: string;
  prev: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Entries checked (those still kept). */
  count: number;
  /** Entries retention has removed so far; the chain is checked from the checkpoint they left. */
  removed: number;
  /** Stream id of the first entry whose hash does not match its content and predecessor. */
  brokenAt?: string;
}

/** How long and how much the log keeps. */
export interface AuditRetention {
  /** Entries older than this are removed. */
  maxAgeMs: number;
  /** At most this many entries are kept. */
  maxEntries: number;
}

/** Retention removes at most this many entries per append, so one append never does unbounded work. */
const TRIM_BATCH = 100;

/**
 * Appends atomically: reads the chain head, hashes `prev + "\n" + entry`, adds the entry and moves the head, in one
 * script so concurrent bots and workers cannot fork the chain. Redis scripts only offer SHA-1; the chain is about
 * making edits detectable, not about collision resistance against someone who can already write to Redis.
 *
 * Then retention, in the same script: the oldest entries beyond `maxEntries` or older than `keepFromMs` (stream ids
 * start with their time in ms) are deleted, and the hash of the last one deleted becomes the checkpoint — the `prev`
 * the oldest kept entry must carry — so the chain stays verifiable across the cut. The entry just added is never cut.
 * KEYS: stream, head, checkpoint. ARGV: entry, maxEntries, keepFromMs, batch.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
local hash = redis.sha1hex(head .. '\\n' .. ARGV[1])
local id = redis.call('XADD', KEYS[1], '*', 'entry', ARGV[1], 'prev', head, 'hash', hash)
redis.call('SET', KEYS[2], hash)
local excess = redis.call('XLEN', KEYS[1]) - tonumber(ARGV[2])
local keepFrom = tonumber(ARGV[3])
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', tonumber(ARGV[4]))
local cut = {}
local last
for i, row in ipairs(oldest) do
  if row[1] == id then break end
  local ms = tonumber(string.match(row[1], '^(%d+)'))
  if i > excess and ms >= keepFrom then break end
  cut[#cut + 1] = row[1]
  last = row
end
if last then
  local lastHash = ''
  for f = 1, #last[2], 2 do
    if last[2][f] == 'hash' then lastHash = last[2][f + 1] end
  end
  redis.call('XDEL', KEYS[1], unpack(cut))
  redis.call('HSET', KEYS[3], 'id', last[1], 'hash', lastHash)
  redis.call('HINCRBY', KEYS[3], 'removed', #cut)
end
return {id, hash, head}
`;

/**
 * The audit log, a hash-chained Redis stream. Entries are only ever added; retention removes the oldest (by age and
 * count) and leaves a checkpoint, and `verify()` recomputes the chain from that checkpoint so tampering shows.
 */
export class AuditLog {
  constructor(
    private readonly redis: RedisCommands,
    private readonly keys: RedisKeys['audit'],
    private readonly retention: AuditRetention,
    private readonly now: () => number = Date.now,
  ) {}

  async append(input: AuditInput): Promise<AuditEntry> {
    const body = serialise(input);
    const keepFromMs = Math.max(0, this.now() - this.retention.maxAgeMs);
    const [id, hash, prev] = (await this.redis.eval(
      APPEND_SCRIPT,
      3,
      this.keys.stream,
      this.keys.head,
      this.keys.checkpoint,
      body,
      this.retention.maxEntries,
      keepFromMs,
      TRIM_BATCH,
    )) as [string, string, string];
    return { ...JSON.parse(body), id, hash, prev };
  }

  /** The newest `count` entries, newest first. */
  async latest(count: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.keys.stream, '+', '-', 'COUNT', count);
    return rows.map(([id, fields]) => toEntry(id, fields));
  }

  /**
   * Entries oldest first, in pages, from just after stream id `after` (from the oldest kept when absent): the export
   * walks the log with it, and a consumer resumes from the last id it stored.
   */
  async *entries(after?: string): AsyncGenerator<AuditEntry> {
    let cursor = after;
    for (;;) {
      const start = cursor === undefined ? '-' : `(${cursor}`;
      const rows = await this.redis.xrange(this.keys.stream, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of rows) yield toEntry(id, fields);
      if (rows.length < PAGE) return;
      cursor = rows[rows.length - 1]![0];
    }
  }

  /** Recomputes the chain from the retention checkpoint (or from the start) to the newest entry. */
  async verify(): Promise<AuditVerification> {
    const checkpoint = await this.redis.hgetall(this.keys.checkpoint);
    let prev = checkpoint.hash ?? '';
    const removed = Number(checkpoint.removed ?? 0);
    let count = 0;
    let cursor: string | undefined;
    for (;;) {
      const start = cursor === undefined ? '-' : `(${cursor}`;
      const rows = await this.redis.xrange(this.keys.stream, start, '+', 'COUNT', PAGE);
      for (const [id, fields] of rows) {
        const entry = fieldsToRecord(fields);
        const expected = createHash('sha1').update(`${prev}\n${entry.entry}`).digest('hex');
        if (entry.prev !== prev || entry.hash !== expected) return { ok: false, count, removed, brokenAt: id };
        prev = entry.hash ?? '';
        count++;
      }
      if (rows.length < PAGE) return { ok: true, count, removed };
      cursor = rows[rows.length - 1]![0];
    }
  }
}

const PAGE = 500;

/** Fixed key order so the hashed text is reproducible. */
function serialise(input: AuditInput): string {
  return JSON.stringify({
    at: input.at.toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    outcome: input.outcome,
    ...(input.detail ? { detail: input.detail } : {}),
  });
}

function fieldsToRecord(fields: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]!] = fields[i + 1]!;
  return record;
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const record = fieldsToRecord(fields);
  return { ...JSON.parse(record.entry ?? '{}'), id, hash: record.hash ?? '', prev: record.prev ?? '' };
}
