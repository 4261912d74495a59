import type { RedisCommands } from '../redis/connections.js';
import type { RedisKeys } from '../redis/keys.js';

/** What to write to the audit log for one refusal. */
export interface RefusalDecision {
  /**
   * `entry`: log the refusal. `notice`: the user just passed the limit — log one entry saying further refusals this
   * minute are counted, not logged. `count`: counted only.
   */
  log: 'entry' | 'notice' | 'count';
  /** Refusals of this user that an earlier minute counted but did not log: summarise them in one entry. */
  suppressedEarlier?: { count: number; from: Date; until: Date };
}

const MINUTE_MS = 60_000;
/** The counter outlives its minute so that the next refusal, within a day, can still summarise it. */
const COUNTER_TTL_MS = 24 * 3600_000;

/**
 * Per user, one hash `{window, count}`: a refusal in a new minute reads the previous minute's count and starts over.
 * KEYS: the user's counter. ARGV: the minute (epoch ms of its start), TTL ms. Returns {count, previousWindow, previousCount}.
 */
const RECORD_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'window')
local previousWindow = ''
local previousCount = 0
if current ~= ARGV[1] then
  if current then
    previousWindow = current
    previousCount = tonumber(redis.call('HGET', KEYS[1], 'count') or '0')
  end
  redis.call('HSET', KEYS[1], 'window', ARGV[1], 'count', 0)
end
local n = redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {n, previousWindow, previousCount}
`;

/**
 * Pure rule: the n-th refusal of a user within one minute, against a limit of `perMinute` logged refusals.
 * The first `perMinute` are logged, the next one logs a notice instead, the rest are counted.
 */
export function refusalLogging(n: number, perMinute: number): RefusalDecision['log'] {
  if (n <= perMinute) return 'entry';
  return n === perMinute + 1 ? 'notice' : 'count';
}

/**
 * Keeps one user from flooding the audit log with refusals (a script clicking a guarded button in a loop): at most
 * `perMinute` refusal entries per user per minute. The rest are counted and summarised in one entry, written with the
 * user's next refusal in a later minute (within a day).
 */
export class RefusalThrottle {
  constructor(
    private readonly redis: RedisCommands,
    private readonly keys: RedisKeys['audit'],
    private readonly perMinute: number,
  ) {}

  async record(userId: string, now: Date): Promise<RefusalDecision> {
    const window = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS;
    const [n, previousWindow, previousCount] = (await this.redis.eval(
      RECORD_SCRIPT,
      1,
      this.keys.refusals(userId),
      window,
      COUNTER_TTL_MS,
    )) as [number, string, number];
    const decision: RefusalDecision = { log: refusalLogging(n, this.perMinute) };
    const suppressed = previousCount - this.perMinute;
    if (previousWindow !== '' && suppressed > 0) {
      const from = Number(previousWindow);
      decision.suppressedEarlier = { count: suppressed, from: new Date(from), until: new Date(from + MINUTE_MS) };
    }
    return decision;
  }

  /** The limit, for the notice entry's wording. */
  get limit(): number {
    return this.perMinute;
  }
}
