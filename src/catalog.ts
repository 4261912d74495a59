/**
 * ops.yml as this build understands it: the shared sections (`src/config/catalog-schema.ts`) composed with the part
 * each capability in `src/capabilities.ts` declares in its config. Everything that reads an ops.yml goes through here.
 */
import { z } from 'zod';
import { CAPABILITIES } from './capabilities.js';
import { type CatalogResult, composeCatalogSchema, loadCatalogWith, parseCatalogWith } from './config/catalog.js';
import type { Env } from './config/env.js';
import { loadCatalogFor as loadWith } from './config/load.js';
import type { Logger } from './log.js';

export type { CatalogResult };

/** The composed schema, sections and cross-checks of ops.yml. */
export const OPS_CONFIG = composeCatalogSchema(CAPABILITIES.flatMap((capability) => capability.config ?? []));

/** Parses and validates an ops.yml text (see `parseCatalogWith` in `src/config/catalog.ts`). */
export const parseCatalog = (yamlText: string, env: Record<string, string | undefined>): CatalogResult =>
  parseCatalogWith(OPS_CONFIG, yamlText, env);

/** Reads and parses the ops.yml at `path`. */
export const loadCatalog = (path: string, env: Record<string, string | undefined>): Promise<CatalogResult> =>
  loadCatalogWith(OPS_CONFIG, path, env);

/** Loads the process's ops.yml (OPS_CONFIG, or an empty catalog when the default file is absent). */
export const loadCatalogFor = (env: Env, source: Record<string, string | undefined>, logger: Logger) =>
  loadWith(OPS_CONFIG, env, source, logger);

/**
 * ops.yml's JSON Schema, for editors (`# yaml-language-server: $schema=./ops.schema.json`), generated from the
 * composed zod schemas: what may be written (the input side: defaults make fields optional). Durations, patterns and
 * cross-references are checked by Opsdeck itself (`npm run check-config`); a part zod cannot express is left open.
 */
export function opsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(OPS_CONFIG.schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }),
    title: 'Opsdeck ops.yml',
  };
}
