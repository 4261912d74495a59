import { METHOD_TIERS, POST_MESSAGE_PER_SECOND, type RateTier, TIER_PER_MINUTE } from '../../slack/rate-tiers.js';

/**
 * Slack Web API rate limits (slack-platform.md §4; the table is src/slack/rate-tiers.ts) as token buckets with an
 * injected clock, so the rules can be tested without waiting and the fake server can answer 429 + Retry-After where
 * slack.com would.
 */

/**
 * A token bucket: `capacity` tokens, refilled continuously at `refillPerMs`. Time comes from the caller so the
 * bucket itself never reads a clock.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    readonly capacity: number,
    readonly refillPerMs: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token if available and returns 0; otherwise takes nothing and returns ms until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / this.refillPerMs);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.refillPerMs);
    this.updatedAt = now;
  }
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds for the `Retry-After` header (≥ 1) when not allowed; 0 when allowed. */
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Clock in ms. */
  now: () => number;
  /** chat.postMessage per channel: sustained rate and burst. Defaults to 1/s with a burst of 4. */
  postMessagePerSecond?: number;
  postMessageBurst?: number;
  /** Overrides of per-minute limits by tier (e.g. to make a test hit a Tier 2 limit quickly). */
  perMinute?: Partial<Record<Exclude<RateTier, 'Special'>, number>>;
}

const ALLOWED: RateLimitDecision = { allowed: true, retryAfterSeconds: 0 };

/**
 * Per-method buckets (Tier limits per minute, bursting up to the whole minute's allowance) plus
 * chat.postMessage's per-channel bucket. A rejected call takes no token, as on slack.com.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly perMinute: Record<Exclude<RateTier, 'Special'>, number>;

  constructor(private readonly options: RateLimiterOptions) {
    this.perSecond = options.postMessagePerSecond ?? POST_MESSAGE_PER_SECOND;
    this.burst = options.postMessageBurst ?? 4;
    this.perMinute = { ...TIER_PER_MINUTE, ...options.perMinute };
  }

  /** Decides one call. `channel` keys chat.postMessage's bucket; other methods ignore it. */
  check(method: string, channel?: string): RateLimitDecision {
    const tier = METHOD_TIERS[method];
    if (tier === undefined) return ALLOWED;
    if (method === 'chat.postMessage') {
      return this.take(`chat.postMessage:${channel ?? ''}`, this.burst, this.perSecond / 1000);
    }
    // auth.test is documented as "thousands per minute": never limited here.
    if (tier === 'Special') return ALLOWED;
    const limit = this.perMinute[tier];
    return this.take(method, limit, limit / 60_000);
  }

  private take(key: string, capacity: number, refillPerMs: number): RateLimitDecision {
    const now = this.options.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(capacity, refillPerMs, now);
      this.buckets.set(key, bucket);
    }
    const waitMs = bucket.take(now);
    if (waitMs === 0) return ALLOWED;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
