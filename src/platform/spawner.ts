import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

/**
 * Starting a program blocks the thread that starts it until the program has replaced the forked copy (libuv's spawn
 * waits for the exec): a few ms for a process of Opsdeck's size, far more on a busy machine, where the copy waits for
 * a core. On the main thread that stalls every ack and every job of the process (deploys, runbook steps and command
 * checks start programs), so programs are started from a thread of their own. The program's output, its start and its
 * end come back as events; stopping it is `process.kill` of its group, from any thread.
 */
const SPAWNER = `
const { parentPort } = require('node:worker_threads');
const { spawn } = require('node:child_process');
parentPort.on('message', ({ id, argv, env, cwd }) => {
  let child;
  try {
    child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (error) {
    parentPort.postMessage({ id, type: 'error', code: error.code, message: error.message });
    return;
  }
  if (child.pid !== undefined) parentPort.postMessage({ id, type: 'spawn', pid: child.pid });
  const output = (chunk) => parentPort.postMessage({ id, type: 'output', chunk });
  child.stdout.on('data', output);
  child.stderr.on('data', output);
  child.once('error', (error) => parentPort.postMessage({ id, type: 'error', code: error.code, message: error.message }));
  child.once('close', (code, signal) => parentPort.postMessage({ id, type: 'close', code, signal }));
});
`;

/** A program started by the spawner thread: `spawn` (with `pid`), `output` (stdout and stderr), `error`, `close`. */
export interface SpawnedProgram extends EventEmitter {
  /** Known once `spawn` was emitted. */
  pid?: number;
}

type Message =
  | { id: number; type: 'spawn'; pid: number }
  | { id: number; type: 'output'; chunk: Uint8Array }
  | { id: number; type: 'error'; code?: string; message: string }
  | { id: number; type: 'close'; code: number | null; signal: NodeJS.Signals | null };

let thread: Worker | undefined;
let nextId = 0;
const running = new Map<number, SpawnedProgram>();

/**
 * Starts `argv` (no shell) in a process group of its own, with exactly `env`, from the spawner thread. Never throws:
 * a program that cannot start emits `error` with its `code` (ENOENT…).
 */
export function spawnProgram(spec: { argv: readonly string[]; env: Record<string, string>; cwd?: string }) {
  const program: SpawnedProgram = new EventEmitter();
  const id = nextId++;
  running.set(id, program);
  const spawner = spawnerThread();
  // While a program runs, the thread keeps the process alive (as a child process would); idle, it does not.
  spawner.ref();
  spawner.postMessage({ id, argv: [...spec.argv], env: spec.env, cwd: spec.cwd });
  return program;
}

function spawnerThread(): Worker {
  if (thread) return thread;
  const started = new Worker(SPAWNER, { eval: true });
  started.on('message', (message: Message) => {
    const program = running.get(message.id);
    if (!program) return;
    if (message.type === 'spawn') {
      program.pid = message.pid;
      program.emit('spawn');
    } else if (message.type === 'output') {
      program.emit('output', Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    } else {
      // A program that could not start reports `error` alone; one that ran, `close`.
      done(message.id);
      if (message.type === 'error')
        program.emit('error', Object.assign(new Error(message.message), { code: message.code }));
      else program.emit('close', message.code, message.signal);
    }
  });
  // Should the thread itself fail, whatever it was watching is reported as failed, and the next start makes a new one.
  const lost = (error: Error) => {
    if (thread !== started) return;
    thread = undefined;
    for (const [id, program] of running) {
      done(id);
      program.emit(
        'error',
        Object.assign(new Error(`the spawner thread stopped: ${error.message}`), { code: 'ESPAWNER' }),
      );
    }
  };
  started.on('error', lost);
  started.on('exit', (code) => lost(new Error(`exit code ${code}`)));
  thread = started;
  return started;
}

function done(id: number): void {
  running.delete(id);
  if (running.size === 0) thread?.unref();
}
