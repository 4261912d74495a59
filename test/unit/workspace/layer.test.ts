import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Issue #8: the local workspace is a layer of its own (src/workspace/), which the product never imports, and the
 * production image carries the product only: src/main.ts and what it imports, built by tsconfig.production.json.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const SRC = join(repoRoot, 'src');
const WORKSPACE = join(SRC, 'workspace');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(name) ? [path] : [];
  });
}

/** The files a module imports (static, dynamic and re-exports), resolved to .ts paths; packages left out. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
}

const inWorkspace = (file: string) => file === WORKSPACE || file.startsWith(`${WORKSPACE}/`);

describe('the workspace layer', () => {
  it('is never imported by the product (src/ outside src/workspace/)', () => {
    const product = sourceFiles(SRC).filter((file) => !inWorkspace(file));
    expect(product.length).toBeGreaterThan(20);
    const offending = product.flatMap((file) =>
      importsOf(file)
        .filter(inWorkspace)
        .map((target) => `${relative(repoRoot, file)} imports ${relative(repoRoot, target)}`),
    );
    expect(offending).toEqual([]);
  });

  it('holds the private redis-server launcher (the product starts no Redis)', () => {
    const launchers = sourceFiles(SRC).filter((file) => readFileSync(file, 'utf8').includes("'redis-server'"));
    expect(launchers.map((file) => relative(repoRoot, file))).toEqual(['src/workspace/local/private-redis.ts']);
  });

  it('is not reachable from the production entry point, so the image cannot contain it', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const target of importsOf(file)) visit(target);
    };
    visit(join(SRC, 'main.ts'));
    expect(seen.size).toBeGreaterThan(20);
    expect([...seen].filter(inWorkspace)).toEqual([]);
  });
});

describe('the production image', () => {
  const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m);
  const stage = (name: string) => stages.find((text) => text.split('\n')[0]!.endsWith(` AS ${name}`)) ?? '';
  const buildStage = stage('build');
  const runtimeStage = stage('runtime');

  it('builds src/main.ts and its imports only', () => {
    const config = JSON.parse(readFileSync(join(repoRoot, 'tsconfig.production.json'), 'utf8'));
    expect(config.files).toEqual(['src/main.ts']);
    expect(config.include).toEqual([]);
    expect(buildStage).toMatch(/^RUN node scripts\/build\.mjs --production$/m);
  });

  it('copies only that build, the production dependencies and the example catalog into the runtime stage, and runs the production entry point', () => {
    const copies = runtimeStage.split('\n').filter((line) => line.startsWith('COPY'));
    expect(copies).toEqual([
      'COPY package.json ./',
      'COPY --from=deps /app/node_modules ./node_modules',
      'COPY --from=build /app/dist ./dist',
      'COPY ops.example.yml ./ops.example.yml',
    ]);
    expect(stage('deps')).toMatch(/^RUN npm ci --omit=dev/m);
    expect(runtimeStage).toMatch(/^CMD \["node", "--max-semi-space-size=4", "dist\/main\.js"\]$/m);
  });

  it('runs `npm start` with the node flags the image runs Opsdeck with', () => {
    const start = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } })
      .scripts.start;
    expect(start).toBe('node --max-semi-space-size=4 scripts/start.mjs');
  });
});
