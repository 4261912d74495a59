import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runProcess } from '../../../src/platform/process-runner.js';

const dir = mkdtempSync(join(tmpdir(), 'opsdeck-process-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Running, not gone nor a zombie (an orphan's exit status waits for whatever reaps orphans here). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
};
/** The first line a script printed: the pid of the child it left running in the background. */
const backgroundPid = (tail: string) => Number(tail.split('\n')[0]);

/** Prints its first argument, TOKEN, the parent's secret (or none) and whether HOME is set. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template.
const PRINT_ENV = 'echo "$1|$TOKEN|${OPSDECK_TEST_PARENT_SECRET:-none}|${HOME:+home}"';

describe('the process runner, on real child processes', () => {
  it('runs the argv without a shell, with only PATH, HOME and the env given', async () => {
    process.env.OPSDECK_TEST_PARENT_SECRET = 'leaked';
    try {
      const result = await runProcess({
        argv: ['sh', '-c', PRINT_ENV, 'sh', '$(id);rm -rf /'],
        env: { TOKEN: 't0k' },
        timeoutMs: 10_000,
      });
      expect(result).toMatchObject({ outcome: 'exited', ok: true, exitCode: 0, detail: 'exit code 0' });
      expect(result.tail).toBe('$(id);rm -rf /|t0k|none|home\n');
    } finally {
      delete process.env.OPSDECK_TEST_PARENT_SECRET;
    }
  });

  it('reports another exit code, keeps only the tail, and never rejects for a missing program', async () => {
    const failed = await runProcess({
      argv: ['sh', '-c', 'printf "%0500d" 0; echo broken >&2; exit 3'],
      timeoutMs: 10_000,
      tailChars: 10,
    });
    expect(failed).toMatchObject({ outcome: 'exited', ok: false, exitCode: 3, detail: 'exit code 3' });
    expect(failed.tail).toBe('000broken\n');
    const missing = await runProcess({ argv: [join(dir, 'no-such-program')], timeoutMs: 10_000 });
    expect(missing).toMatchObject({ outcome: 'failed-to-start', ok: false, exitCode: null });
    expect(missing.detail).toBe(`could not start ${join(dir, 'no-such-program')} (ENOENT)`);
  });

  it('kills the whole process group at the timeout, grandchildren included', async () => {
    const result = await runProcess({ argv: ['sh', '-c', 'sleep 60 & echo $!; wait'], timeoutMs: 300 });
    expect(result).toMatchObject({ outcome: 'timed-out', ok: false, detail: 'timed out after 300ms' });
    const grandchild = backgroundPid(result.tail);
    expect(grandchild).toBeGreaterThan(0);
    await vi.waitFor(() => expect(alive(grandchild)).toBe(false));
  });

  it('follows SIGTERM with SIGKILL after the grace for a group that ignores it', async () => {
    const result = await runProcess({
      argv: ['sh', '-c', 'trap "" TERM; sleep 60 & echo $!; wait'],
      timeoutMs: 200,
      killGraceMs: 200,
    });
    expect(result).toMatchObject({ outcome: 'timed-out', exitSignal: 'SIGKILL' });
    await vi.waitFor(() => expect(alive(backgroundPid(result.tail))).toBe(false));
  });

  it('stops the group on Cancel (an aborted signal)', async () => {
    const cancel = new AbortController();
    const running = runProcess({
      argv: ['sh', '-c', 'sleep 60 & echo $!; wait'],
      timeoutMs: 60_000,
      signal: cancel.signal,
      outputEveryMs: 0,
      onOutput: () => cancel.abort(),
    });
    const result = await running;
    expect(result).toMatchObject({ outcome: 'cancelled', ok: false, detail: 'cancelled', exitSignal: 'SIGTERM' });
    await vi.waitFor(() => expect(alive(backgroundPid(result.tail))).toBe(false));
    const already = await runProcess({ argv: ['sleep', '60'], timeoutMs: 60_000, signal: AbortSignal.abort() });
    expect(already.outcome).toBe('cancelled');
  });

  it('streams the output at most once a second while it runs, and once more at the end', async () => {
    const release = join(dir, 'release');
    const updates: Array<{ at: number; tail: string; added: string }> = [];
    const running = runProcess({
      argv: [
        'sh',
        '-c',
        'i=0; while [ ! -f "$1" ]; do i=$((i+1)); echo "tick $i"; sleep 0.05; done; echo done',
        'sh',
        release,
      ],
      timeoutMs: 60_000,
      tailChars: 1_000_000,
      onOutput: (update) => updates.push({ at: performance.now(), ...update }),
    });
    // Two updates while it runs, then let it finish.
    await vi.waitFor(() => expect(updates.length).toBeGreaterThanOrEqual(2), { timeout: 15_000 });
    writeFileSync(release, '');
    const result = await running;
    expect(existsSync(release)).toBe(true);
    // Every update but the last (the end's, which comes as soon as the process ends) waits its second.
    const whileRunning = updates.slice(0, -1);
    const gaps = whileRunning.slice(1).map((update, i) => update.at - whileRunning[i]!.at);
    // setTimeout may fire a millisecond early; never a second early.
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(990);
    expect(updates.at(-1)!.tail).toBe(result.tail);
    expect(result.tail.endsWith('done\n')).toBe(true);
    expect(updates.map((update) => update.added).join('')).toBe(result.tail);
  });

  it('starts programs from a helper process, not from the process that asks', async () => {
    // Forking Opsdeck's own process copies its page tables and makes its writes copy-on-write until the exec.
    const result = await runProcess({ argv: ['sh', '-c', 'echo $PPID'], timeoutMs: 10_000 });
    expect(result.ok).toBe(true);
    expect(Number(result.tail.trim())).not.toBe(process.pid);
  });

  it('starts programs from a second helper, once it is up, while the first has one running', async () => {
    // Each start blocks its helper for the fork and the exec: eight runbook steps at once queued behind one helper.
    const abort = new AbortController();
    let parentOfLong: (pid: number) => void = () => {};
    const longParent = new Promise<number>((resolve) => {
      parentOfLong = resolve;
    });
    const long = runProcess({
      argv: ['sh', '-c', 'echo $PPID; sleep 30'],
      timeoutMs: 60_000,
      signal: abort.signal,
      killGraceMs: 0,
      outputEveryMs: 0,
      onOutput: ({ tail }) => parentOfLong(Number(tail.trim())),
    });
    const busy = await longParent;
    // No event says when the second helper is up: quick programs go to the busy one until then (a few ms each).
    let other: number | undefined;
    for (let i = 0; i < 2000 && other === undefined; i++) {
      const parent = Number((await runProcess({ argv: ['sh', '-c', 'echo $PPID'], timeoutMs: 10_000 })).tail.trim());
      if (parent !== busy) other = parent;
    }
    abort.abort();
    expect((await long).outcome).toBe('cancelled');
    expect(other).toBeGreaterThan(0);
    expect(other).not.toBe(process.pid);
  });

  it('starts programs from a helper that keeps a process alive only while one runs', () => {
    // A script that runs a program and does nothing else: it must see the program end, then exit by itself.
    const script = join(dir, 'runs-one.mts');
    const runner = join(process.cwd(), 'src/platform/process-runner.ts');
    writeFileSync(
      script,
      `import { runProcess } from ${JSON.stringify(runner)};\nconst r = await runProcess({ argv: ['sh', '-c', 'sleep 0.2; echo ran'], timeoutMs: 10_000 });\nprocess.stdout.write(r.tail);\n`,
    );
    const ran = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000 });
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    expect(ran.stdout).toBe('ran\n');
  });
});
