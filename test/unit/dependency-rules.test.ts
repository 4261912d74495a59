import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/repo.js';

const run = promisify(execFile);
const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

/** A small tree that keeps every rule: a surface, two capabilities talking through api.ts, the platform. */
const LAWFUL: Record<string, string> = {
  'platform/capability.ts': 'export type Capability = { name: string };\n',
  'alerts/store.ts': 'export const groups = 1;\n',
  'alerts/api.ts': "import { groups } from './store.js';\nexport const openGroups = () => groups;\n",
  'incidents/index.ts':
    "import type { Capability } from '../platform/capability.js';\nimport { openGroups } from '../alerts/api.js';\nexport const incidents: Capability = { name: String(openGroups()) };\n",
  'incidents/jobs/setup.ts': "import { openGroups } from '../../alerts/api.js';\nexport const setup = openGroups;\n",
  'capabilities.ts': "import { incidents } from './incidents/index.js';\nexport const CAPABILITIES = [incidents];\n",
  'bot/app.ts': "import { CAPABILITIES } from '../capabilities.js';\nexport const app = CAPABILITIES;\n",
  'jobs/workers.ts': "import { CAPABILITIES } from '../capabilities.js';\nexport const workers = CAPABILITIES;\n",
  'workspace/local/main.ts': "import { app } from '../../bot/app.js';\nexport const local = app;\n",
};

/** Runs `npm run cycles`' own command line, with the committed config, against the lawful tree plus `extra`. */
async function cruise(extra: Record<string, string>): Promise<{ code: number; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'opsdeck-deps-'));
  dirs.push(dir);
  await copyFile(join(repoRoot, 'tsconfig.json'), join(dir, 'tsconfig.json'));
  await copyFile(join(repoRoot, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  for (const [name, text] of Object.entries({ ...LAWFUL, ...extra })) {
    await mkdir(dirname(join(dir, 'src', name)), { recursive: true });
    await writeFile(join(dir, 'src', name), text);
  }
  const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [bin, ...args] = pkg.scripts.deps!.split(' ');
  try {
    const { stdout } = await run(join(repoRoot, 'node_modules', '.bin', bin!), args, { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code: number; stdout: string };
    return { code: e.code, output: e.stdout };
  }
}

/** One file (or pair) breaking each rule, the rule it breaks, and the importing file dependency-cruiser names. */
const VIOLATIONS: Array<[string, Record<string, string>, string, string]> = [
  [
    'a cycle made only of type imports',
    {
      'platform/a.ts': "import type { B } from './b.js';\nexport type A = { b?: B };\n",
      'platform/b.ts': "import type { A } from './a.js';\nexport type B = { a?: A };\n",
    },
    'no-cycles',
    'src/platform/a.ts',
  ],
  [
    'the platform importing a capability',
    { 'platform/registry.ts': "import { openGroups } from '../alerts/api.js';\nexport const r = openGroups;\n" },
    'platform-imports-platform',
    'src/platform/registry.ts',
  ],
  [
    'a capability importing the surface',
    { 'alerts/home.ts': "import { app } from '../bot/app.js';\nexport const h = app;\n" },
    'capability-not-surface',
    'src/alerts/home.ts',
  ],
  [
    'a capability importing another’s internals',
    { 'incidents/declare.ts': "import { groups } from '../alerts/store.js';\nexport const d = groups;\n" },
    'capabilities-through-api',
    'src/incidents/declare.ts',
  ],
  [
    'the product importing the workspace',
    { 'http/server.ts': "import { local } from '../workspace/local/main.js';\nexport const s = local;\n" },
    'product-not-workspace',
    'src/http/server.ts',
  ],
  [
    'job code importing src/bot',
    { 'jobs/queues.ts': "import { app } from '../bot/app.js';\nexport const q = app;\n" },
    'jobs-not-bot',
    'src/jobs/queues.ts',
  ],
];

// Two cruises in all (each takes seconds): the lawful tree, and the lawful tree with every violation added.
describe('the dependency rules CI checks', () => {
  it('pass a tree that keeps them', { timeout: 120_000 }, async () => {
    expect(await cruise({})).toMatchObject({ code: 0 });
  });

  it('fail on each violation, naming the rule and the file', { timeout: 120_000 }, async () => {
    const result = await cruise(Object.assign({}, ...VIOLATIONS.map(([, files]) => files)));
    expect(result.code).not.toBe(0);
    for (const [what, , rule, file] of VIOLATIONS) {
      expect(result.output, what).toMatch(new RegExp(`${rule}: ${file.replaceAll('.', '\\.')} →`));
    }
  });

  it('are a step of .ci/run that fails the run', async () => {
    const ci = await readFile(join(repoRoot, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/npm run cycles \|\| \{[^}]*checks_failed=1/);
  });
});
