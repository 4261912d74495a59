import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { vi } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/workspace/local/private-redis.js';
import { runOk } from './commands.js';

/** A real Redis Cluster of three primaries (no replicas) on free loopback ports, made as an operator would. */
export interface RedisClusterProcesses {
  /** `host:port,…` for REDIS_CLUSTER_NODES. */
  nodes: string;
  primaries: PrivateRedis[];
  /** The number of keys starting with `prefix` that each primary holds (SCAN on each). */
  keysPerPrimary(prefix: string): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startRedisCluster(): Promise<RedisClusterProcesses> {
  const dir = mkdtempSync(join(tmpdir(), 'opsdeck-cluster-'));
  const primaries = await Promise.all(
    [0, 1, 2].map((i) =>
      startPrivateRedis({
        dir: join(dir, String(i)),
        extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${i}.conf`)],
      }),
    ),
  );
  const nodes = primaries.map((p) => `127.0.0.1:${p.port}`);
  await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
  // `--cluster create` returns once the slots are assigned; each node says ok once it has heard of the others.
  const clients = primaries.map((p) => new Redis(p.port, '127.0.0.1', { maxRetriesPerRequest: 3 }));
  try {
    await vi.waitFor(
      async () => {
        for (const client of clients) {
          const info = await client.cluster('INFO');
          if (!/cluster_state:ok/.test(String(info))) throw new Error('cluster not ok yet');
        }
      },
      { timeout: 20_000, interval: 100 },
    );
  } finally {
    for (const client of clients) client.disconnect();
  }
  return {
    nodes: nodes.join(','),
    primaries,
    async keysPerPrimary(prefix) {
      return Promise.all(
        primaries.map(async (p) => {
          const client = new Redis(p.port, '127.0.0.1', { maxRetriesPerRequest: 3 });
          try {
            let count = 0;
            let cursor = '0';
            do {
              const [next, keys] = await client.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
              count += keys.length;
              cursor = next;
            } while (cursor !== '0');
            return count;
          } finally {
            client.disconnect();
          }
        }),
      );
    },
    async stop() {
      await Promise.all(primaries.map((p) => p.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function run(command: string, args: string[]): Promise<void> {
  await runOk(command, args);
}
