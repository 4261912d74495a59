import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** Runs `npm run cycles`' own command line against a tree of our making. */
async function cyclesIn(files: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsdeck-cycles-'));
  dirs.push(dir);
  await mkdir(join(dir, 'src'));
  await copyFile(join(repoRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, 'src', name), text);
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [bin, ...args] = pkg.scripts.cycles!.split(' ');
  try {
    const { stdout } = await run(join(repoRoot, 'node_modules', '.bin', bin!), args, { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

describe('the import-cycle check CI runs', () => {
  it('fails on a cycle made only of type imports', async () => {
    const result = await cyclesIn({
      'a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\n",
      'b.ts': "import type { A } from './a.js';\nexport type B = { a?: A };\n",
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('a.ts > b.ts');
  });

  it('passes a tree without cycles', async () => {
    const result = await cyclesIn({
      'a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\n",
      'b.ts': 'export type B = { n: number };\n',
    });
    expect(result.code).toBe(0);
  });

  it('is a step of .ci/run that fails the run', async () => {
    const ci = await readFile(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/npm run cycles \|\| \{[^}]*checks_failed=1/);
  });
});
