import { METHOD_TIERS, POST_MESSAGE_PER_SECOND, TIER_PER_MINUTE } from '../rate-tiers.js';

/** A token bucket shared by every Opsdeck process: `burst` calls at once, then one per `intervalMs`. */
export interface PaceRule {
  /** The bucket: the method, and for chat.postMessage the channel. */
  key: string;
  intervalMs: number;
  burst: number;
}

/**
 * chat.postMessage's burst. Slack tolerates "short bursts" without saying how long (the local server allows 4); one
 * token below that leaves room for requests that reach Slack later than their turn (network or event-loop jitter up
 * to one interval), so paced calls never meet a 429.
 */
export const POST_MESSAGE_BURST = 3;

/** Methods with no tier in the table are paced as Tier 3 (50/min), the tier of most write methods. */
const DEFAULT_PER_MINUTE = TIER_PER_MINUTE.Tier3;

/**
 * How a call is paced, or undefined when it is not (response_url, limited per URL rather than per minute; auth.test,
 * "thousands per minute"). Tiered methods may burst a tenth of their minute: Slack's own bucket holds the whole minute,
 * so paced calls stay well inside it.
 */
export function paceFor(method: string, channel?: string): PaceRule | undefined {
  if (method === 'response_url' || method === 'auth.test') return undefined;
  if (method === 'chat.postMessage') {
    return { key: `${method}:${channel ?? ''}`, intervalMs: 1000 / POST_MESSAGE_PER_SECOND, burst: POST_MESSAGE_BURST };
  }
  const tier = METHOD_TIERS[method];
  const perMinute = tier && tier !== 'Special' ? TIER_PER_MINUTE[tier] : DEFAULT_PER_MINUTE;
  return { key: method, intervalMs: Math.ceil(60_000 / perMinute), burst: Math.max(1, Math.floor(perMinute / 10)) };
}

/**
 * Edits of one message: at most one per second. Slack would take more (chat.update is Tier 3 per app), but a message
 * rewritten faster only flickers; meanwhile the pending edits collapse into the newest.
 */
export function editPaceFor(key: string): PaceRule {
  return { key: `chat.update:${key}`, intervalMs: 1000, burst: 1 };
}
