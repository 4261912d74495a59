import { spawn } from 'node:child_process';

export interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end (docker, docker-compose), with its stdout and stderr together. */
export function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** Like run, but a non-zero exit is an error carrying the output. */
export async function runOk(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  const done = await run(command, args, env);
  if (done.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${done.code}:\n${done.output}`);
  return done.output;
}
