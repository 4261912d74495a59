/**
 * A capability owns its part of ops.yml: `defineConfig` declares it in the capability's folder (`src/<name>/config.ts`)
 * and `composeCatalogSchema` builds the whole file's schema from the shared sections and every capability's part.
 */
import { z } from 'zod';
import type { ConfigTree } from './catalog-refs.js';
import { type Catalog, type Service, SHARED_SERVICE_FIELDS, sharedSections } from './catalog-schema.js';
import type { PathProblem } from './interpolate.js';

type Fields = Record<string, z.ZodType>;

/**
 * What a capability declares about ops.yml. `section` is the schema of its top-level section, which is named after
 * the capability (`alerts:`, `incidents:`); `service` adds fields under `services.<name>` (deploys adds `deploy`);
 * `refs` checks references into the rest of the file (an approval's role, a `verify` check) on the raw tree, so they
 * are reported in the same pass as shape errors.
 */
export interface CapabilityConfig<S = unknown, F = Record<string, unknown>> {
  name: string;
  section?: z.ZodType;
  service?: Fields;
  refs?(raw: ConfigTree): PathProblem[];
  /** The capability's section, parsed (defaults applied). */
  of(catalog: Catalog): S;
  /** The capability's fields of one service, parsed. */
  serviceOf(service: Service): F;
}

export function defineConfig<S extends z.ZodType = z.ZodUndefined, F extends Fields = Record<never, z.ZodType>>(spec: {
  name: string;
  section?: S;
  service?: F;
  refs?(raw: ConfigTree): PathProblem[];
}): CapabilityConfig<z.output<S>, { [K in keyof F]: z.output<F[K]> }> {
  return {
    ...spec,
    // The composed schema validated these: the casts only name the types the capability declared.
    of: (catalog) => catalog[spec.name] as z.output<S>,
    serviceOf: (service) => service as unknown as { [K in keyof F]: z.output<F[K]> },
  };
}

/** A top-level section the file has, whoever owns it (alerts offer "Declare incident" only when `incidents:` is set). */
export function hasSection(catalog: Catalog, section: string): boolean {
  return catalog[section] !== undefined;
}

export interface ComposedCatalog {
  /** The capabilities' parts it was composed from. */
  configs: readonly CapabilityConfig[];
  schema: z.ZodObject;
  /** The top-level sections this version understands; others are skipped with a warning. */
  sections: string[];
  refs(raw: ConfigTree): PathProblem[];
}

/**
 * The ops.yml schema: shared sections plus each capability's. Two capabilities claiming one section or service field
 * is a programming error and stops startup naming both.
 */
export function composeCatalogSchema(configs: readonly CapabilityConfig[]): ComposedCatalog {
  const owners = new Map<string, string>();
  const claim = (what: string, by: string) => {
    const owner = owners.get(what);
    if (owner) throw new Error(`ops.yml ${what} is claimed by both ${owner} and ${by}`);
    owners.set(what, by);
  };
  for (const field of Object.keys(SHARED_SERVICE_FIELDS)) claim(`services.<name>.${field}`, 'the shared schema');
  const serviceFields: Fields = { ...SHARED_SERVICE_FIELDS };
  const sections: Fields = {};
  for (const config of configs) {
    for (const [field, schema] of Object.entries(config.service ?? {})) {
      claim(`services.<name>.${field}`, config.name);
      serviceFields[field] = schema;
    }
    if (config.section) {
      claim(config.name, config.name);
      sections[config.name] = z.preprocess((value) => (value === null ? undefined : value), config.section);
    }
  }
  const shared = sharedSections(z.strictObject(serviceFields));
  for (const section of Object.keys(shared)) claim(section, 'the shared schema');
  const schema = z.strictObject({ ...shared, ...sections });
  return {
    configs,
    schema,
    sections: Object.keys(schema.shape),
    refs: (raw) => configs.flatMap((config) => config.refs?.(raw) ?? []),
  };
}
