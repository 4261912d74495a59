import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';

/**
 * Programs are started by a small helper process of their own, not by Opsdeck's process. libuv starts a program with
 * fork() then exec(), and fork() copies the page tables of the whole process: while it does, every thread of the
 * process that touches memory waits, and until the copy has exec'd, every page the process writes is copied on first
 * write. Started from Opsdeck's process (its main thread, or a thread of it, as before) that cost grows with Opsdeck's
 * heap and lands on the main thread — its scavenges write megabytes — which stalls the acks and jobs it serves
 * (issue #21: with 8 deploys starting at once, ~180 page faults per deploy on the main thread, against ~14 from here).
 * The helper is a bare node (~40 MB) that only forks itself; it runs while programs do, and goes after a while idle.
 * The program's output, its start and its end come back as messages; stopping it is `process.kill` of its group,
 * from any process.
 */
const SPAWNER = `
const { spawn } = require('node:child_process');
const send = (message) => process.connected && process.send(message);
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, argv, env, cwd }) => {
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    send({ id, type: 'error', code: error.code, message: error.message });
    return;
  }
  if (child.pid !== undefined) send({ id, type: 'spawn', pid: child.pid });
  const output = (chunk) => send({ id, type: 'output', chunk });
  child.stdout.on('data', output);
  child.stderr.on('data', output);
  child.once('error', (error) => send({ id, type: 'error', code: error.code, message: error.message }));
  child.once('close', (code, signal) => send({ id, type: 'close', code, signal }));
});
send({ type: 'ready' });
`;

/** How long a helper stays once no program of its runs: a steady trickle of programs reuses it; an idle bot has none. */
const HELPER_IDLE_MS = 30_000;

/**
 * At most this many helpers. A start blocks its helper for about a millisecond (the fork and the wait for exec), so
 * programs started together — eight runbook steps in one wave — queue behind each other in one helper; two helpers
 * start them on both cores of a small machine (more do not start them sooner there). A second helper is made when
 * every helper has a program running, and gets programs once it is up: a helper takes ~40 ms to boot, longer than a
 * start waits behind a busy one.
 */
const HELPERS = 2;

/** A program started by a helper: `spawn` (with `pid`), `output` (stdout and stderr), `error`, `close`. */
export interface SpawnedProgram extends EventEmitter {
  /** Known once `spawn` was emitted. */
  pid?: number;
}

type Message =
  | { type: 'ready'; id?: undefined }
  | { id: number; type: 'spawn'; pid: number }
  | { id: number; type: 'output'; chunk: Uint8Array }
  | { id: number; type: 'error'; code?: string; message: string }
  | { id: number; type: 'close'; code: number | null; signal: NodeJS.Signals | null };

/** A helper process and the programs it is watching. */
interface Helper {
  process: ChildProcess;
  running: Map<number, SpawnedProgram>;
  /** Booted: it reads its messages at once. */
  ready: boolean;
  retire?: NodeJS.Timeout;
}

const helpers: Helper[] = [];
let nextId = 0;

/**
 * Starts `argv` (no shell) in a process group of its own, with exactly `env`, from a helper process. Never throws:
 * a program that cannot start emits `error` with its `code` (ENOENT…).
 */
export function spawnProgram(spec: { argv: readonly string[]; env: Record<string, string>; cwd?: string }) {
  const program: SpawnedProgram = new EventEmitter();
  const id = nextId++;
  const helper = leastBusy();
  helper.running.set(id, program);
  clearTimeout(helper.retire);
  // While a program runs, its helper keeps Opsdeck's process alive (as a child process of its own would); idle, not.
  helper.process.ref();
  helper.process.channel?.ref();
  helper.process.send({ id, argv: [...spec.argv], env: spec.env, cwd: spec.cwd });
  return program;
}

/**
 * The ready helper with the fewest programs running (a booting one when none is ready). While every helper has a
 * program and there are fewer than HELPERS, another one starts, for the programs after it is up.
 */
function leastBusy(): Helper {
  const ready = helpers.filter((helper) => helper.ready);
  const idlest = (ready.length > 0 ? ready : helpers).reduce<Helper | undefined>(
    (a, b) => (a && a.running.size <= b.running.size ? a : b),
    undefined,
  );
  if (!idlest) return startHelper();
  if (idlest.running.size > 0 && helpers.length < HELPERS) startHelper();
  return idlest;
}

/**
 * Starts the helper ahead of programs known to come soon (a runbook run whose steps start programs, just started),
 * so that the first of them does not wait for it to boot. It goes again after a while idle, as always.
 */
export function warmSpawner(): void {
  if (helpers.length === 0) startHelper();
}

function startHelper(): Helper {
  // Nothing of Opsdeck's environment (its secrets) nor its node flags: each program gets exactly its own `env`.
  const started = spawn(process.execPath, ['-e', SPAWNER], {
    env: {},
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const helper: Helper = { process: started, running: new Map(), ready: false };
  started.on('message', (message: Message) => {
    if (message.type === 'ready') {
      helper.ready = true;
      return;
    }
    const program = helper.running.get(message.id);
    if (!program) return;
    if (message.type === 'spawn') {
      program.pid = message.pid;
      program.emit('spawn');
    } else if (message.type === 'output') {
      program.emit('output', Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    } else {
      // A program that could not start reports `error` alone; one that ran, `close`.
      done(helper, message.id);
      if (message.type === 'error')
        program.emit('error', Object.assign(new Error(message.message), { code: message.code }));
      else program.emit('close', message.code, message.signal);
    }
  });
  // Should a helper itself fail, whatever it was watching is reported as failed, and the next start uses another.
  const lost = (error: Error) => {
    if (!forget(helper)) return;
    for (const [id, program] of helper.running) {
      helper.running.delete(id);
      program.emit(
        'error',
        Object.assign(new Error(`the spawner process stopped: ${error.message}`), { code: 'ESPAWNER' }),
      );
    }
  };
  started.on('error', lost);
  started.on('exit', (code, signal) => lost(new Error(signal ? `killed by ${signal}` : `exit code ${code}`)));
  helpers.push(helper);
  // Idle until it is given a program: it keeps nothing alive, and goes after a while if none comes.
  idle(helper);
  return helper;
}

/** Takes the helper out of the pool; false when it was out already. */
function forget(helper: Helper): boolean {
  const at = helpers.indexOf(helper);
  if (at === -1) return false;
  helpers.splice(at, 1);
  clearTimeout(helper.retire);
  return true;
}

function done(helper: Helper, id: number): void {
  helper.running.delete(id);
  if (helper.running.size === 0 && helpers.includes(helper)) idle(helper);
}

/** A helper with nothing running: it no longer keeps Opsdeck's process alive, and retires after HELPER_IDLE_MS. */
function idle(helper: Helper): void {
  helper.process.unref();
  helper.process.channel?.unref();
  clearTimeout(helper.retire);
  helper.retire = setTimeout(() => {
    // Forgotten first, so its exit is not a loss; disconnecting ends it (it exits on `disconnect`).
    if (forget(helper)) helper.process.disconnect();
  }, HELPER_IDLE_MS);
  helper.retire.unref();
}
