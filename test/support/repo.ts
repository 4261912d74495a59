import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/repo.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A file under test/fixtures/ (upstream wire formats, each folder's SOURCES.md says where from and under which
 * licence). Tests read only what the repository holds: a clone with nothing beside it runs the whole suite.
 */
export function fixturePath(relative: string): string {
  const path = join(repoRoot, 'test', 'fixtures', relative);
  if (!existsSync(path)) throw new Error(`fixture not found: ${path}`);
  return path;
}
