import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { freePort, type PrivateRedis, startPrivateRedis } from '../../src/workspace/local/private-redis.js';

export const SENTINEL_NAME = 'opsdeck';

/** A real primary, one replica and three Debian redis-sentinel processes watching them under SENTINEL_NAME. */
export interface SentinelSetup {
  /** `host:port,…` for REDIS_SENTINELS. */
  sentinels: string;
  primary: PrivateRedis;
  replica: PrivateRedis;
  /** Asks a Sentinel which port the primary is on now. */
  primaryPort(): Promise<number>;
  stop(): Promise<void>;
}

export async function startSentinels(): Promise<SentinelSetup> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-sentinel-'));
  const primary = await startPrivateRedis({ dir: join(dir, 'primary') });
  const replica = await startPrivateRedis({
    dir: join(dir, 'replica'),
    extraArgs: ['--replicaof', '127.0.0.1', String(primary.port)],
  });
  const ports = await Promise.all([0, 1, 2].map(() => freePort()));
  const children = ports.map((port, i) => {
    const conf = join(dir, `sentinel-${i}.conf`);
    // Sentinel rewrites its config file as it learns, so each has its own, writable.
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary.port} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
    process.once('exit', () => child.kill('SIGKILL'));
    return child;
  });
  const sentinel = new Redis(ports[0]!, '127.0.0.1', { maxRetriesPerRequest: 3, retryStrategy: () => 100 });
  const ask = (...args: string[]) => sentinel.call('SENTINEL', ...args) as Promise<unknown[]>;
  // Ready for a failover once every Sentinel knows the replica and the two other Sentinels.
  await vi.waitFor(
    async () => {
      for (const port of ports) {
        const each = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
        try {
          const others = (await each.call('SENTINEL', 'SENTINELS', SENTINEL_NAME)) as unknown[];
          const replicas = (await each.call('SENTINEL', 'REPLICAS', SENTINEL_NAME)) as unknown[];
          if (others.length < 2 || replicas.length < 1) throw new Error('sentinels not acquainted yet');
        } finally {
          each.disconnect();
        }
      }
    },
    { timeout: 30_000, interval: 200 },
  );
  return {
    sentinels: ports.map((port) => `127.0.0.1:${port}`).join(','),
    primary,
    replica,
    async primaryPort() {
      const [, port] = (await ask('GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as [string, string];
      return Number(port);
    },
    async stop() {
      sentinel.disconnect();
      for (const child of children) child.kill('SIGKILL');
      await Promise.all([primary.kill(), replica.kill()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
