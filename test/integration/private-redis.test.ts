import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { type PrivateRedis, startPrivateRedis } from '../../src/workspace/local/private-redis.js';

/**
 * The private redis-server `npm start` runs when there is no Redis. Its owner may be SIGKILLed (a closed terminal, an
 * OOM kill): no exit hook runs and the server, in a process group of its own, lives on. The next start in the same
 * directory stops it (data kept) rather than run a second server on the same AOF; it never stops another program.
 */
const started: PrivateRedis[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function start(dir: string, fresh = false): Promise<PrivateRedis> {
  const redis = await startPrivateRedis({ dir, fresh });
  started.push(redis);
  return redis;
}

async function newDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsdeck-private-redis-'));
  dirs.push(dir);
  return dir;
}

/** Whether anything accepts a connection on the port. */
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

async function withClient<T>(url: string, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

describe('the private redis-server', () => {
  it('stops a server its previous owner left running in the directory, and keeps its data', async () => {
    const dir = await newDir();
    // Started and never stopped: what a SIGKILLed `npm start` leaves behind.
    const left = await start(dir);
    await withClient(left.url, (r) => r.set('incident:1', 'declared'));

    const next = await start(dir);
    expect(await listening(left.port)).toBe(false);
    await expect(withClient(next.url, (r) => r.get('incident:1'))).resolves.toBe('declared');
  });

  it('with fresh, stops the server left running before it removes the data', async () => {
    const dir = await newDir();
    const left = await start(dir);
    await withClient(left.url, (r) => r.set('incident:1', 'declared'));

    const next = await start(dir, true);
    expect(await listening(left.port)).toBe(false);
    await expect(withClient(next.url, (r) => r.get('incident:1'))).resolves.toBeNull();
  });

  it('leaves alone a process that is not a redis-server, whatever the pid file says', async () => {
    const dir = await newDir();
    // This test's own pid: a pid the OS gave to another program after the server it named was gone.
    writeFileSync(join(dir, 'opsdeck-redis.pid'), `${process.pid}\n`);
    const redis = await start(dir);
    await expect(withClient(redis.url, (r) => r.ping())).resolves.toBe('PONG');
  });
});
