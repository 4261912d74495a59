import { existsSync } from 'node:fs';
import type { Logger } from '../log.js';
import { type Catalog, type ComposedCatalog, loadCatalogWith, parseCatalogWith } from './catalog.js';
import type { Env } from './env.js';

/**
 * Loads ops.yml for a process. The default path may be absent (Opsdeck then runs with an empty catalog and says so);
 * a path given in OPS_CONFIG must exist. Warnings (unknown sections) go to the log.
 * `source` is the raw environment, for `${VAR}` in ops.yml.
 */
export async function loadCatalogFor(
  ops: ComposedCatalog,
  env: Env,
  source: Record<string, string | undefined>,
  logger: Logger,
): Promise<Catalog> {
  const log = logger.child({ module: 'config' });
  if (!env.opsConfig.explicit && !existsSync(env.opsConfig.path)) {
    log.warn({ path: env.opsConfig.path }, 'no ops.yml found: running with an empty catalog (set OPS_CONFIG)');
    return parseCatalogWith(ops, '', source).catalog;
  }
  const { catalog, warnings } = await loadCatalogWith(ops, env.opsConfig.path, source);
  for (const warning of warnings) log.warn({ path: env.opsConfig.path }, warning);
  return catalog;
}
