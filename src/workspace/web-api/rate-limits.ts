/**
 * Slack Web API rate limits (slack-platform.md §4) as token buckets with an injected clock, so the rules can be
 * tested without waiting and the fake server can answer 429 + Retry-After where slack.com would.
 */

export type RateTier = 'Tier1' | 'Tier2' | 'Tier3' | 'Tier4' | 'Special';

/** Requests per minute per method (Slack documents these as minimums: "1+", "20+", …). */
export const TIER_PER_MINUTE: Record<Exclude<RateTier, 'Special'>, number> = {
  Tier1: 1,
  Tier2: 20,
  Tier3: 50,
  Tier4: 100,
};

/**
 * Tiers of the methods the fake server implements, copied from java-slack-sdk's rate_limit_tiers.json
 * (/work/shared/fixtures/slack/web-api-rate-limit-tiers.json; a unit test keeps them in step). Special tiers
 * (`chat.postMessage`, `auth.test`) are handled separately.
 */
export const METHOD_TIERS: Record<string, RateTier> = {
  'auth.test': 'Special',
  'chat.postMessage': 'Special',
  'chat.update': 'Tier3',
  'chat.postEphemeral': 'Tier4',
  'chat.delete': 'Tier3',
  'views.open': 'Tier4',
  'views.update': 'Tier4',
  'views.push': 'Tier4',
  'views.publish': 'Tier4',
  'conversations.create': 'Tier2',
  'conversations.invite': 'Tier3',
  'conversations.setTopic': 'Tier2',
  'conversations.info': 'Tier3',
  'conversations.join': 'Tier3',
  'pins.add': 'Tier2',
  'reactions.add': 'Tier3',
  'users.info': 'Tier4',
  'usergroups.users.list': 'Tier2',
};

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
    this.perSecond = options.postMessagePerSecond ?? 1;
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
