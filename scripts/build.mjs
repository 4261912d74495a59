// `npm run build`: a clean dist/ from src/ (tsc, then the workspace page's assets, which tsc does not copy), and a
// stamp that `npm start` compares with src/ to skip the build when nothing changed. Run: node scripts/build.mjs
// `--production` (the Dockerfile) builds src/main.ts and its imports only: no local workspace, no page.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STAMP = 'dist/.build-stamp';
/** Everything a build reads: a change to any of them makes dist/ stale. */
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  // A directory's own mtime changes when a file in it is added, removed or renamed.
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** True when dist/ was built from the sources as they are now (no input changed since the build began). */
export function isBuildFresh() {
  return existsSync(STAMP) && Math.max(...INPUTS.map(newestMtime)) <= statSync(STAMP).mtimeMs;
}

/** Builds dist/ (`production`: the product only); throws when tsc fails (it prints the errors). */
export function build({ production = false } = {}) {
  // The stamp carries the build's start time: a file saved during the build makes the next start build again.
  const startedAt = new Date();
  rmSync('dist', { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = production ? 'tsconfig.production.json' : 'tsconfig.build.json';
  const result = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`tsc failed (exit ${result.status ?? result.signal})`);
  if (production) return;
  cpSync('src/workspace/page/assets', 'dist/workspace/page/assets', { recursive: true });
  writeFileSync(STAMP, '');
  utimesSync(STAMP, startedAt, startedAt);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    build({ production: process.argv.includes('--production') });
  } catch (error) {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  }
}
