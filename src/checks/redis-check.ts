import { Redis } from 'ioredis';
import type { RedisCheck } from './check-kinds.js';
import type { CheckResult } from './check-result.js';

/** Connects to the Redis at the URL (one try, no reconnects) and sends PING. */
export async function runRedisCheck(check: RedisCheck, signal: AbortSignal): Promise<CheckResult> {
  const started = performance.now();
  const client = new Redis(check.url, {
    lazyConnect: true,
    connectTimeout: check.timeout,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // ioredis rejects with "Connection is closed."; the socket's own error says why.
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => {
    socketError ??= error;
  });
  const onAbort = () => client.disconnect();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    const reply = await client.ping();
    const latencyMs = Math.round(performance.now() - started);
    const ok = reply === 'PONG';
    return {
      ok,
      summary: ok ? `PONG in ${latencyMs} ms` : `unexpected reply ${reply}`,
      latencyMs,
      detail: { type: 'redis', reply },
    };
  } catch (error) {
    const cause = socketError ?? (error as NodeJS.ErrnoException);
    throw new Error(cause.code === 'ECONNREFUSED' ? 'connection refused' : cause.message);
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.disconnect();
  }
}
