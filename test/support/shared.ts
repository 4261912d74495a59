import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/support/shared.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** shared/ sits beside the checkout, here and in CI; OPSDECK_SHARED_DIR overrides. */
export function sharedPath(relative: string): string {
  const base = process.env.OPSDECK_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
  const path = join(base, relative);
  if (!existsSync(path)) throw new Error(`shared file not found: ${path} (set OPSDECK_SHARED_DIR)`);
  return path;
}
