import type { ChainableCommander } from 'ioredis';
import type { RedisCommands } from '../redis/connections.js';
import type { StatusContext } from './context.js';
import type { AlertState, BreakerState, StoredResult } from './rules.js';

/** How long a `/ops status` request's results are kept (for late edits after a slow check). */
const REQUEST_TTL_SECONDS = 24 * 3600;

export interface StatusRequest {
  /** The outbox key of the message being filled in. */
  messageKey: string;
  /** Every service, or one in detail. */
  service?: string;
  /** When it was asked for (ms since the epoch). */
  startedAt?: number;
}

/**
 * The status capability's state in Redis: each check's last results (newest first), each target's circuit breaker,
 * each scheduled check's alert state, and the results of each `/ops status` request.
 */
/** A request after one more result: how many it holds, whether this caller draws, the request, its last draw. */
export interface Added {
  count: number;
  draw: boolean;
  request?: StatusRequest;
  drawnAt?: number;
}

/** What a run reads first (see `StatusStore.before`). */
export interface Before {
  breaker: BreakerState;
  previous?: StoredResult;
}

/** Whose `Before` to read: a check and its target. */
export interface BeforeOf {
  target: string;
  service: string;
  check: string;
}

/** How many commands `addTo` queues: its replies come right after `keeping`'s. */
const ADD_TO_REPLIES = 5;

export class StatusStore {
  constructor(
    private readonly redis: RedisCommands,
    private readonly key: (...parts: string[]) => string,
  ) {}

  /**
   * What each run reads first, in one round trip for all of them: its target's circuit breaker and the check's
   * newest result.
   */
  async before(of: BeforeOf[]): Promise<Before[]> {
    const batch = this.redis.pipeline();
    for (const one of of) this.reading(batch, one);
    const replies = (await batch.exec()) ?? [];
    return of.map((_, i) => this.read(replies.slice(2 * i, 2 * i + 2)));
  }

  /** Queues `before`'s two reads. */
  private reading(batch: ChainableCommander, of: BeforeOf): ChainableCommander {
    return batch.get(this.key('breaker', of.target)).lindex(this.key('results', of.service, of.check), 0);
  }

  /** `before`'s two replies, read. */
  private read(replies: [error: Error | null, result: unknown][]): Before {
    const [breaker, previous] = [0, 1].map((i) => {
      const [error, value] = replies[i] ?? [null, null];
      if (error) throw error;
      return typeof value === 'string' ? (JSON.parse(value) as unknown) : undefined;
    });
    return {
      breaker: (breaker as BreakerState | undefined) ?? { failures: 0 },
      previous: previous as StoredResult | undefined,
    };
  }

  /**
   * Keeps the result as the check's newest, trimming the history to `keep`, and the target's breaker when the run
   * asked the target: one round trip.
   */
  async keep(
    service: string,
    check: string,
    result: StoredResult,
    keep: number,
    breaker?: { target: string; state: BreakerState },
  ): Promise<void> {
    await this.keeping(service, check, result, keep, breaker).exec();
  }

  /**
   * `keep`, and the result added to the `/ops status` request it was run for (see `addTo`), in the same round trip.
   */
  async keepForRequest(
    service: string,
    check: string,
    result: StoredResult,
    keep: number,
    breaker: { target: string; state: BreakerState } | undefined,
    request: { id: string; everyMs: number },
  ): Promise<Added> {
    const multi = this.keeping(service, check, result, keep, breaker);
    this.addTo(multi, request.id, service, check, result, request.everyMs);
    const replies = (await multi.exec()) ?? [];
    return this.added(replies.slice(-ADD_TO_REPLIES));
  }

  private keeping(
    service: string,
    check: string,
    result: StoredResult,
    keep: number,
    breaker?: { target: string; state: BreakerState },
  ): ChainableCommander {
    const key = this.key('results', service, check);
    const multi = this.redis
      .multi()
      .lpush(key, JSON.stringify(result))
      .ltrim(key, 0, keep - 1);
    if (breaker) multi.set(this.key('breaker', breaker.target), JSON.stringify(breaker.state), 'EX', 7 * 24 * 3600);
    return multi;
  }

  /** The check's results, oldest first. */
  async history(service: string, check: string, count: number): Promise<StoredResult[]> {
    const raw = await this.redis.lrange(this.key('results', service, check), 0, count - 1);
    return raw.map((entry) => JSON.parse(entry) as StoredResult).reverse();
  }

  /** The newest result of each `[service, check]`, in order; undefined where a check never ran. */
  async latest(checks: ReadonlyArray<readonly [string, string]>): Promise<Array<StoredResult | undefined>> {
    if (checks.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const [service, check] of checks) pipeline.lindex(this.key('results', service, check), 0);
    const replies = (await pipeline.exec()) ?? [];
    return replies.map(([, value]) => (typeof value === 'string' ? (JSON.parse(value) as StoredResult) : undefined));
  }

  async alertState(service: string, check: string): Promise<AlertState> {
    const raw = await this.redis.get(this.key('alert', service, check));
    return raw ? (JSON.parse(raw) as AlertState) : { failures: 0, alerting: false };
  }

  async setAlertState(service: string, check: string, state: AlertState): Promise<void> {
    await this.redis.set(this.key('alert', service, check), JSON.stringify(state));
  }

  async createRequest(id: string, request: StatusRequest): Promise<void> {
    const key = this.key('request', id);
    await this.redis.multi().hset(key, 'request', JSON.stringify(request)).expire(key, REQUEST_TTL_SECONDS).exec();
  }

  /** Keeps what the request shows beside its checks (last deploys), read once when it starts. */
  async setRequestContext(id: string, context: StatusContext): Promise<void> {
    await this.redis.set(this.key('request-context', id), JSON.stringify(context), 'EX', REQUEST_TTL_SECONDS);
  }

  /**
   * Adds one result to the request. Returns how many results it holds now, and whether this caller should redraw the
   * message: always for the last result, otherwise at most once per `everyMs` (the outbox coalesces edits, but
   * drawing 200 services for each of 600 results would keep the workers from the checks).
   */
  private addTo(
    multi: ChainableCommander,
    id: string,
    service: string,
    check: string,
    result: StoredResult,
    everyMs: number,
  ) {
    const key = this.key('request', id);
    multi
      .hset(key, `${service}/${check}`, JSON.stringify(result))
      .hlen(key)
      .set(this.key('request-drawn', id), '1', 'PX', everyMs, 'NX')
      .hget(key, 'request')
      .get(this.key('request-drawn-at', id));
  }

  /** addTo's five replies, read. */
  private added(replies: [error: Error | null, result: unknown][] | null | undefined): Added {
    // `request` is a field too.
    const count = Number(replies?.[1]?.[1] ?? 1) - 1;
    const request = replies?.[3]?.[1];
    const drawnAt = replies?.[4]?.[1];
    return {
      count,
      draw: replies?.[2]?.[1] === 'OK',
      request: typeof request === 'string' ? (JSON.parse(request) as StatusRequest) : undefined,
      drawnAt: typeof drawnAt === 'string' ? Number(drawnAt) : undefined,
    };
  }

  /** How far a request is: its results so far, the request, and when it was last drawn. */
  async progress(id: string): Promise<{ count: number; request?: StatusRequest; drawnAt?: number }> {
    const key = this.key('request', id);
    const [count, request, drawnAt] = await Promise.all([
      this.redis.hlen(key),
      this.redis.hget(key, 'request'),
      this.redis.get(this.key('request-drawn-at', id)),
    ]);
    return {
      count: Math.max(0, count - 1),
      request: request === null ? undefined : (JSON.parse(request) as StatusRequest),
      drawnAt: drawnAt === null ? undefined : Number(drawnAt),
    };
  }

  /**
   * Claims the right to draw the request with `count` results: false when a draw with as many or more was claimed
   * already, so a slow draw of fewer results cannot overwrite the complete one.
   */
  async claimDraw(id: string, count: number, now: number): Promise<boolean> {
    const claimed = await this.redis.eval(
      "local n = tonumber(redis.call('GET', KEYS[1]) or '-1'); if n < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]); redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]); return 1 end; return 0",
      2,
      this.key('request-drawn-count', id),
      this.key('request-drawn-at', id),
      count,
      REQUEST_TTL_SECONDS,
      now,
    );
    return claimed === 1;
  }

  /** The request with every result so far (`service/check` → result). */
  async request(
    id: string,
  ): Promise<{ request?: StatusRequest; context?: StatusContext; results: Map<string, StoredResult> }> {
    const [all, rawContext] = await Promise.all([
      this.redis.hgetall(this.key('request', id)),
      this.redis.get(this.key('request-context', id)),
    ]);
    const results = new Map<string, StoredResult>();
    let request: StatusRequest | undefined;
    for (const [field, value] of Object.entries(all)) {
      if (field === 'request') request = JSON.parse(value) as StatusRequest;
      else results.set(field, JSON.parse(value) as StoredResult);
    }
    const context = rawContext === null ? undefined : (JSON.parse(rawContext) as StatusContext);
    return { request, context, results };
  }
}
