import type { RedisCommands } from '../../redis/connections.js';

/** A write the outbox gave up on: kept so an operator can see (and replay) what Slack never got. */
export interface DeadLetter {
  /** Stream entry id (`<ms>-<seq>`). */
  id: string;
  /** Web API method or `response_url`. */
  method: string;
  /** The write's idempotency key. */
  key: string;
  /** Slack's last answer (`http_503`, `ratelimited`, `request_error`, …). */
  error: string;
  /** The outbox job's data, as enqueued. */
  job: unknown;
}

/** The stream keeps about this many entries (XADD MAXLEN ~): a bound on memory during a very long outage. */
const MAX_ENTRIES = 10_000;

/** The dead-letter stream, `<prefix>:slack:dead-letters`. */
export class DeadLetters {
  private readonly stream: string;

  constructor(
    private readonly redis: RedisCommands,
    key: (...parts: string[]) => string,
  ) {
    this.stream = key('dead-letters');
  }

  async add(entry: Omit<DeadLetter, 'id'>): Promise<void> {
    await this.redis.xadd(
      this.stream,
      'MAXLEN',
      '~',
      MAX_ENTRIES,
      '*',
      'method',
      entry.method,
      'key',
      entry.key,
      'error',
      entry.error,
      'job',
      JSON.stringify(entry.job),
    );
  }

  /** The newest entries first. */
  async list(count = 100): Promise<DeadLetter[]> {
    const entries = await this.redis.xrevrange(this.stream, '+', '-', 'COUNT', count);
    return entries.map(([id, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
      return { id, method: f.method ?? '', key: f.key ?? '', error: f.error ?? '', job: JSON.parse(f.job ?? 'null') };
    });
  }
}
