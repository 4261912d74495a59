import type { RedisCommands } from './connections.js';

/**
 * Compare-and-set of one record: KEYS[1] the record (JSON `{"rev":N,"<kind>":value}`, `rev` always first), KEYS[2]
 * the open index, KEYS[3] (optional) a mark the write sets, once (see `change`). ARGV: the revision read, the new value,
 * ttl, id, score ('' removes it from the index). Returns 1 if written, 0 if another process wrote first, -1 if the mark
 * was set already (nothing written). The revision is read off the front of the JSON, not decoded: cjson
 * refuses a lone surrogate's escape (`\ud83d`), which once made a record unchangeable, and decoding a big record
 * only to read one number costs time inside Redis.
 */
const SWAP = `
local current = redis.call('GET', KEYS[1])
local rev = 0
if current then rev = tonumber(string.match(current, '^{"rev":(%d+)')) end
if rev ~= tonumber(ARGV[1]) then return 0 end
if KEYS[3] and not redis.call('SET', KEYS[3], '1', 'EX', ARGV[3], 'NX') then return -1 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if ARGV[5] == '' then redis.call('ZREM', KEYS[2], ARGV[4]) else redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4]) end
return 1
`;

/** A change's write needed a mark (`change`'s `mark`) that another writer had set first: nothing was written. */
export class MarkTaken extends Error {
  constructor(readonly mark: string) {
    super(`${mark} was set already`);
  }
}

/** Tries before a change gives up on a record every other worker keeps changing (its job is then retried). */
const MAX_SWAPS = 20;

/** Records whose last revision seen here is kept as the next change's first guess (see `change`). */
const GUESSES_KEPT = 256;

export interface RecordsOptions<T> {
  /** Names the records' keys (`key(kind, id)`) and their field in the stored JSON. */
  kind: string;
  ttlSeconds: number;
  /** Checks a stored value (it outlives code changes); identity when the stored shape is trusted. */
  parse: (stored: unknown) => T;
  /** The record's place in the open index (oldest first), or undefined when it is not open. */
  openSince: (value: T) => number | undefined;
}

/**
 * JSON records in Redis changed by compare-and-set, so clicks, commands and jobs in any process never lose each
 * other's changes, with an index of the open ones: what alert groups and incidents both need.
 */
export class Records<T> {
  /**
   * Each record as this process last read or wrote it (the most recent few, oldest first), stored as JSON so no
   * caller's object is shared with a later change.
   */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
    private readonly options: RecordsOptions<T>,
  ) {}

  async get(id: string): Promise<T | undefined> {
    return (await this.read(id)).value;
  }

  /**
   * Applies `change` to the record (undefined when there is none) and stores what it returns; undefined, or the
   * record itself unchanged, stores nothing. Reruns `change` on the newest value when another process wrote meanwhile.
   * Returns what `change` returned last.
   *
   * `mark` names a key the write sets too, in the same step, when the value written needs it (a step attempt's start
   * marker: at most one writer ever starts it); the record's TTL. When another writer set it first nothing is written.
   * @throws MarkTaken when the mark was set already
   */
  async change(
    id: string,
    change: (current: T | undefined) => T | undefined,
    mark?: (next: T) => string | undefined,
  ): Promise<T | undefined> {
    const { kind } = this.options;
    // First from the revision this process last read or wrote, without reading it again: a job moving a run from step
    // to step changes what it has just written. Only a write trusts a guess (the swap checks the revision); a change
    // that would write nothing is decided on what is stored now.
    const seen = this.seen.get(id);
    if (seen !== undefined) {
      const guess = this.decode(seen);
      const next = change(guess.value);
      if (next !== undefined && next !== guess.value && (await this.swap(id, guess.rev, next, mark)) === 1) return next;
    }
    for (let tries = 0; tries < MAX_SWAPS; tries++) {
      const { rev, value } = await this.read(id);
      const next = change(value);
      if (next === undefined || next === value) return next;
      if ((await this.swap(id, rev, next, mark)) === 1) return next;
    }
    throw new Error(`${kind} ${id} kept changing under us`);
  }

  /** Writes `next` as revision `rev + 1` if the record is still at `rev` (0: absent); 1 if written. */
  private async swap(id: string, rev: number, next: T, mark?: (next: T) => string | undefined): Promise<unknown> {
    const { kind, ttlSeconds, openSince } = this.options;
    const since = openSince(next);
    const stored = JSON.stringify({ rev: rev + 1, [kind]: next });
    const marker = mark?.(next);
    const keys = [this.key(kind, id), this.key('open'), ...(marker === undefined ? [] : [marker])];
    const swapped = await this.redis.eval(
      SWAP,
      keys.length,
      ...keys,
      rev,
      stored,
      ttlSeconds,
      id,
      since === undefined ? '' : String(since),
    );
    if (swapped === -1) throw new MarkTaken(marker!);
    if (swapped === 1) this.remember(id, stored);
    else this.seen.delete(id);
    return swapped;
  }

  private remember(id: string, stored: string): void {
    this.seen.delete(id);
    this.seen.set(id, stored);
    if (this.seen.size > GUESSES_KEPT) this.seen.delete(this.seen.keys().next().value!);
  }

  /**
   * Stores `value` unless a record with this id exists (then nothing changes): one round trip, where `change` reads
   * first. Returns whether it was stored.
   */
  async create(id: string, value: T): Promise<boolean> {
    return (await this.swap(id, 0, value)) === 1;
  }

  /** The open records, oldest first. */
  async open(limit = 200): Promise<T[]> {
    const ids = await this.redis.zrange(this.key('open'), 0, limit - 1);
    const open: T[] = [];
    for (const value of await Promise.all(ids.map((id) => this.get(id)))) {
      // The index may name a record that expired, or lag a change another process just made.
      if (value !== undefined && this.options.openSince(value) !== undefined) open.push(value);
    }
    return open;
  }

  private async read(id: string): Promise<{ rev: number; value?: T }> {
    const raw = await this.redis.get(this.key(this.options.kind, id));
    if (!raw) {
      this.seen.delete(id);
      return { rev: 0 };
    }
    this.remember(id, raw);
    return this.decode(raw);
  }

  private decode(stored: string): { rev: number; value: T } {
    const parsed = JSON.parse(stored) as { rev: number } & Record<string, unknown>;
    return { rev: parsed.rev, value: this.options.parse(parsed[this.options.kind]) };
  }
}
