import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { connectRedis, type RedisConnections } from '../../src/redis/connections.js';
import { redisKeys } from '../../src/redis/keys.js';
import { redisClient, redisUrl, uniquePrefix } from '../support/redis.js';

/**
 * A Sentinel that answers as the real ones do (the primary is the suite's Redis; no other Sentinels) but can hold its
 * answer to "where is the primary?" and announce +switch-master when the test says: the moment a real failover makes
 * only now and then, on a loaded machine, made on purpose.
 */
interface StandInSentinel {
  port: number;
  /** Holds every "where is the primary?" until `release`; resolves when one is being held. */
  hold(): Promise<void>;
  release(): void;
  /** Publishes +switch-master to every subscriber. */
  announceSwitch(): void;
  close(): Promise<void>;
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const array = (items: string[]) => `*${items.length}\r\n${items.join('')}`;

/** The commands in `buffer` (RESP arrays of bulk strings, as ioredis writes them) and what is left over. */
function parseCommands(buffer: string): { commands: string[][]; rest: string } {
  const commands: string[][] = [];
  const line = /^\*(\d+)\r\n/;
  let rest = buffer;
  for (let head = line.exec(rest); head; head = line.exec(rest)) {
    let at = head[0].length;
    const args: string[] = [];
    for (let i = 0; i < Number(head[1]); i++) {
      const len = /^\$(\d+)\r\n/.exec(rest.slice(at));
      if (!len || rest.length < at + len[0].length + Number(len[1]) + 2) return { commands, rest };
      at += len[0].length;
      args.push(rest.slice(at, at + Number(len[1])));
      at += Number(len[1]) + 2;
    }
    commands.push(args);
    rest = rest.slice(at);
  }
  return { commands, rest };
}

async function startStandInSentinel(primary: URL): Promise<StandInSentinel> {
  const subscribers = new Set<Socket>();
  let held: (() => void)[] | undefined;
  let holding: (() => void) | undefined;
  const answer = (socket: Socket, [name = '', sub = '']: string[]) => {
    const command = `${name} ${sub}`.toLowerCase();
    if (command === 'sentinel get-master-addr-by-name') {
      const reply = () => {
        socket.write(array([bulk(primary.hostname), bulk(primary.port)]));
      };
      if (held) {
        held.push(reply);
        holding?.();
      } else reply();
    } else if (command === 'sentinel sentinels') socket.write(array([]));
    else if (name.toLowerCase() === 'subscribe') {
      subscribers.add(socket);
      socket.write(array([bulk('subscribe'), bulk(sub), ':1\r\n']));
    } else socket.write(name.toLowerCase() === 'ping' ? '+PONG\r\n' : '+OK\r\n');
  };
  const server: Server = createServer((socket) => {
    let buffer = '';
    socket.on('data', (chunk) => {
      const { commands, rest } = parseCommands(buffer + chunk.toString('utf8'));
      buffer = rest;
      for (const command of commands) answer(socket, command);
    });
    socket.on('error', () => {});
    socket.on('close', () => subscribers.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    hold() {
      held = [];
      return new Promise((resolve) => {
        holding = resolve;
      });
    },
    release() {
      const replies = held ?? [];
      held = undefined;
      for (const reply of replies) reply();
    },
    announceSwitch() {
      const message = `opsdeck 127.0.0.1 ${primary.port} 127.0.0.1 ${primary.port}`;
      for (const socket of subscribers) {
        socket.write(array([bulk('message'), bulk('+switch-master'), bulk(message)]));
      }
    },
    async close() {
      server.close();
      for (const socket of subscribers) socket.destroy();
    },
  };
}

let sentinel: StandInSentinel;
let redis: RedisConnections;

beforeEach(async () => {
  sentinel = await startStandInSentinel(new URL(redisUrl()));
  redis = connectRedis(
    {
      url: redisUrl(),
      topology: { kind: 'sentinel', sentinels: [{ host: '127.0.0.1', port: sentinel.port }], name: 'opsdeck' },
    },
    redisKeys(uniquePrefix()),
    createLogger({ level: 'silent' }),
  );
});

afterEach(async () => {
  sentinel.release();
  await redis.close();
  await sentinel.close();
});

it.each(['queue', 'commands', 'worker', 'subscriber'] as const)(
  'keeps a %s connection when a failover is announced while it asks Sentinel for the new primary',
  async (role) => {
    const client = redis.connect(role) as Redis;
    client.on('error', () => {});
    try {
      // The queue and commands connections fail fast while not connected (no offline queue): asked again until connected.
      const pong = () =>
        vi.waitFor(async () => expect(await client.ping()).toBe('PONG'), { timeout: 15_000, interval: 50 });
      await pong();
      // The primary goes away (here: the connection is killed), so the connection reconnects and asks the Sentinel
      // where the primary is; the Sentinels elect one and announce it before that answer is back.
      const asking = sentinel.hold();
      const admin = redisClient();
      await admin.client('KILL', 'ID', String(await client.client('ID')));
      admin.disconnect();
      await asking;
      sentinel.announceSwitch();
      sentinel.release();
      // The connection is back, not given up (ioredis' failoverDetector left it ended for good: a bot that could never
      // enqueue again).
      await pong();
    } finally {
      client.disconnect();
    }
  },
);
