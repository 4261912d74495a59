import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Runs the repository's biome configuration over a tree of our making. */
async function lint(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsdeck-clock-'));
  dirs.push(dir);
  await cp(join(repoRoot, 'biome.json'), join(dir, 'biome.json'));
  await cp(join(repoRoot, '.biome'), join(dir, '.biome'), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  try {
    const { stdout } = await run(join(repoRoot, 'node_modules', '.bin', 'biome'), ['lint', 'src'], { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, output: e.stdout + e.stderr };
  }
}

describe('the one-clock lint rule', () => {
  it('fails on Date.now() and new Date() in a capability, naming services.now', async () => {
    const result = await lint({
      'src/someday/index.ts': 'export const at = Date.now();\nexport const when = new Date();\n',
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('src/someday/index.ts:1:');
    expect(result.output).toContain('src/someday/index.ts:2:');
    expect(result.output).toContain('services.now');
  });

  it('allows formatting a given time, and the platform its own clock', async () => {
    const result = await lint({
      'src/someday/messages.ts': 'export const shown = (ms: number) => new Date(ms).toISOString();\n',
      'src/platform/clock.ts': 'export const now = () => new Date();\n',
      'src/runtime.ts': 'export const started = Date.now();\n',
    });
    expect(result).toMatchObject({ code: 0 });
  });
});
