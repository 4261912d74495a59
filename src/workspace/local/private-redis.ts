import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

/** A redis-server child process that Opsdeck (local workspace) or the test suite owns and stops. */
export interface PrivateRedis {
  url: string;
  port: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would (tests of recovery). */
  kill(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** Directory for the AOF files; created if missing. */
  dir: string;
  port?: number;
  /** Path to the binary; defaults to `redis-server` on PATH. */
  binary?: string;
  /** Further redis-server arguments, after Opsdeck's (a later one wins). */
  extraArgs?: string[];
  /** Start from nothing: the directory's data is removed first (after a server left running there is stopped). */
  fresh?: boolean;
}

/** The server's pid, in its directory: how the next start finds a server whose owner was SIGKILLed. */
const PID_FILE = 'opsdeck-redis.pid';

/** True when a redis-server binary can be run. */
export function redisServerAvailable(binary = 'redis-server'): boolean {
  const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Asks the OS for a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts redis-server with AOF on and `noeviction` (the only settings under which BullMQ and Opsdeck's state are
 * safe), listening on loopback only. Resolves once the server says it is ready for connections.
 */
export async function startPrivateRedis(options: PrivateRedisOptions): Promise<PrivateRedis> {
  await stopLeftover(options.dir);
  if (options.fresh) rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    options.dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.extraArgs ?? []),
  ];
  // Its own process group: a terminal's Ctrl-C reaches Opsdeck, which closes its connections before stopping Redis.
  // The exit hook still takes it down when Opsdeck exits any other way short of SIGKILL.
  const child = spawn(options.binary ?? 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  if (child.pid !== undefined) writeFileSync(join(options.dir, PID_FILE), `${child.pid}\n`);
  await waitUntilReady(child, port);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  void exited.then(() => {
    process.off('exit', killOnExit);
    // Only our own: a server started since in the same directory has written its pid there.
    if (readPid(options.dir) === child.pid) rmSync(join(options.dir, PID_FILE), { force: true });
  });
  const signal = async (sig: NodeJS.Signals, forceAfterMs?: number) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    const timer = forceAfterMs ? setTimeout(() => child.kill('SIGKILL'), forceAfterMs) : undefined;
    await exited;
    if (timer) clearTimeout(timer);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () => signal('SIGTERM', 5000),
    kill: () => signal('SIGKILL'),
  };
}

async function waitUntilReady(child: ChildProcess, port: number): Promise<void> {
  const { connect } = await import('node:net');
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${stderr.trim()}`)));
  });
  // Poll with PING over a raw socket: redis-server at loglevel warning prints nothing when it is ready.
  const ping = () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
  const ready = (async () => {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (await ping()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`redis-server did not answer PING on port ${port}`);
  })();
  await Promise.race([ready, failed]);
  child.removeAllListeners('exit');
  child.removeAllListeners('error');
}

/**
 * Stops the redis-server a previous owner started in `dir` and could not stop (it was SIGKILLed: no exit hook runs,
 * and the server, in a process group of its own, lives on). Two servers appending to one AOF would corrupt it, and
 * the orphan would hold memory forever. Only a live redis-server whose working directory is `dir` is stopped: a
 * pid the OS has since given to another program is left alone.
 */
async function stopLeftover(dir: string): Promise<void> {
  const pid = readPid(dir);
  if (pid === undefined || !isRedisServerIn(pid, dir)) return;
  process.kill(pid, 'SIGTERM');
  // SIGTERM makes Redis rewrite nothing and exit at once (AOF kept); poll, as it is no child of ours to wait for.
  for (let waited = 0; isAlive(pid); waited += 50) {
    if (waited >= 5000) process.kill(pid, 'SIGKILL');
    await delay(50);
  }
}

function isRedisServerIn(pid: number, dir: string): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // Redis rewrites its title (`/usr/bin/redis-server 127.0.0.1:6379`): the program is the first word.
    const program = command.split(/[\0 ]/)[0] ?? '';
    return program.endsWith('redis-server') && realpathSync(`/proc/${pid}/cwd`) === realpathSync(dir);
  } catch {
    // No /proc (macOS) or no such process: ps names the program, which must be redis-server.
    const ps = spawnSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 && ps.stdout.trim().endsWith('redis-server');
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function readPid(dir: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, PID_FILE), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
