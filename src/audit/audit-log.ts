import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One audit record: who did what to which target, when, and how it ended. */
export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  outcome: 'ok' | 'denied' | 'failed' | 'invalid';
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
  count: number;
  /** Stream id of the first entry whose hash does not match its content and predecessor. */
  brokenAt?: string;
}

/**
 * Appends atomically: reads the chain head, hashes `prev + "\n" + entry`, adds the entry and moves the head, in one
 * script so concurrent bots and workers cannot fork the chain. Redis scripts only offer SHA-1; the chain is about
 * making edits detectable, not about collision resistance against someone who can already write to Redis.
 */
const APPEND_SCRIPT = `
local head = redis.call('GET', KEYS[2]) or ''
local hash = redis.sha1hex(head .. '\\n' .. ARGV[1])
local id = redis.call('XADD', KEYS[1], '*', 'entry', ARGV[1], 'prev', head, 'hash', hash)
redis.call('SET', KEYS[2], hash)
return {id, hash, head}
`;

/**
 * The append-only audit log, a Redis stream. Nothing in Opsdeck trims or edits it; `verify()` recomputes the hash chain
 * so tampering shows.
 */
export class AuditLog {
  private readonly streamKey: string;
  private readonly headKey: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
  ) {
    this.streamKey = `${keyPrefix}:audit`;
    this.headKey = `${keyPrefix}:audit:head`;
  }

  async append(input: AuditInput): Promise<AuditEntry> {
    const body = serialise(input);
    const [id, hash, prev] = (await this.redis.eval(APPEND_SCRIPT, 2, this.streamKey, this.headKey, body)) as [
      string,
      string,
      string,
    ];
    return { ...JSON.parse(body), id, hash, prev };
  }

  /** The newest `count` entries, newest first. */
  async latest(count: number): Promise<AuditEntry[]> {
    const rows = await this.redis.xrevrange(this.streamKey, '+', '-', 'COUNT', count);
    return rows.map(([id, fields]) => toEntry(id, fields));
  }

  async verify(): Promise<AuditVerification> {
    let prev = '';
    let count = 0;
    let cursor = '-';
    for (;;) {
      const rows = await this.redis.xrange(this.streamKey, cursor, '+', 'COUNT', 500);
      for (const [id, fields] of rows) {
        if (id === cursor) continue;
        const entry = fieldsToRecord(fields);
        const expected = createHash('sha1').update(`${prev}\n${entry.entry}`).digest('hex');
        if (entry.prev !== prev || entry.hash !== expected) return { ok: false, count, brokenAt: id };
        prev = entry.hash ?? '';
        count++;
      }
      if (rows.length < 500) return { ok: true, count };
      cursor = rows[rows.length - 1]![0];
    }
  }
}

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
