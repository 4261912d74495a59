import { readFile } from 'node:fs/promises';
import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { suggest } from '../platform/suggest.js';
import { ARGV_ENV_REFERENCE } from './argv.js';
import type { Catalog } from './catalog-schema.js';
import type { ComposedCatalog } from './compose.js';
import { ConfigError, formatPath } from './errors.js';
import { interpolateEnv, type PathProblem } from './interpolate.js';
import { withoutPrototypes } from './own-keys.js';

export { ARGV_PLACEHOLDERS, type ArgvPlaceholder, renderArgv } from './argv.js';
export * from './catalog-schema.js';
export {
  type CapabilityConfig,
  type ComposedCatalog,
  composeCatalogSchema,
  defineConfig,
  hasSection,
} from './compose.js';
export { formatDuration, parseDuration } from './duration.js';

export interface CatalogResult {
  catalog: Catalog;
  /** Things worth logging that do not stop Opsdeck, e.g. sections this version does not know. */
  warnings: string[];
}

/** Interpolated values shorter than this are not scrubbed from problems: they cannot be secrets, and "1" would mangle. */
const MIN_SCRUBBED_LENGTH = 4;

/**
 * Parses and validates an ops.yml document against `ops` (the schema composed from the capabilities, see
 * `src/catalog.ts`). `${VAR}` references in string values are resolved from `env` first.
 *
 * Every object in the catalog has no prototype (see `own-keys.ts`): a name typed in Slack finds own entries only.
 *
 * @throws ConfigError with every problem found, each as `path.to.key: message (line N)`; YAML syntax errors as
 *   `line N, column M: message`. No problem quotes a value taken from the environment.
 */
export function parseCatalogWith(
  ops: ComposedCatalog,
  yamlText: string,
  env: Record<string, string | undefined>,
): CatalogResult {
  const lines = new LineCounter();
  // merge: YAML 1.1 `<<` merge keys are handy to share check settings; the alias limit guards against alias bombs.
  const doc = parseDocument(yamlText, { lineCounter: lines, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((error) => {
        const { line, col } = lines.linePos(error.pos[0]);
        return `line ${line}, column ${col}: ${error.message}`;
      }),
    );
  }
  const warnings = doc.warnings.map((warning) => `line ${lines.linePos(warning.pos[0]).line}: ${warning.message}`);

  let tree: unknown;
  try {
    tree = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    throw new ConfigError([`(root): ${error instanceof Error ? error.message : 'cannot be read'}`]);
  }
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) {
    throw new ConfigError([`(root): must be a mapping of sections (${ops.sections.join(', ')})`]);
  }

  // Unknown top-level sections are skipped, not rejected: an older Opsdeck must start with a newer ops.yml. One a
  // small edit away from a known section is a typo, though, and skipping it would start Opsdeck without its roles.
  const known: Record<string, unknown> = {};
  const sectionProblems: PathProblem[] = [];
  for (const [section, value] of Object.entries(tree)) {
    if (ops.sections.includes(section)) {
      known[section] = value;
      continue;
    }
    const meant = suggest(section, ops.sections);
    if (meant)
      sectionProblems.push({ path: [section], message: `\`${section}\` is not a section; did you mean \`${meant}\`?` });
    else warnings.push(`unknown section "${section}" ignored (newer ops.yml?)`);
  }

  // A `${VAR}` in argv is only visible before substitution: look for it in the document as written.
  const argvProblems = argvEnvReferences(ops, known);
  const interpolation = interpolateEnv(known, env);
  const resolved = interpolation.value as Record<string, unknown>;
  const parsed = ops.schema.safeParse(resolved, { error: requiredMessage });

  // One stage's problems hide a later stage's at the same path: a missing variable makes the URL invalid too, and a
  // malformed reference is not also "not defined".
  const problems: PathProblem[] = [...sectionProblems, ...argvProblems];
  const stagePaths = new Set(problems.map((problem) => formatPath(problem.path)));
  const addStage = (stage: PathProblem[]) => {
    const fresh = stage.filter((problem) => !stagePaths.has(formatPath(problem.path)));
    problems.push(...fresh);
    for (const problem of fresh) stagePaths.add(formatPath(problem.path));
  };
  addStage(interpolation.problems);
  addStage(
    parsed.success ? [] : parsed.error.issues.filter((issue) => !isArgvEnvReference(issue)).flatMap(toPathProblems),
  );
  addStage(ops.refs(resolved));

  if (problems.length > 0) {
    const secrets = interpolation.substituted
      .filter((value) => value.length >= MIN_SCRUBBED_LENGTH)
      .sort((a, b) => b.length - a.length);
    throw new ConfigError(
      problems.map((problem) =>
        scrub(`${formatPath(problem.path)}: ${problem.message}${lineOf(doc, lines, problem.path)}`, secrets),
      ),
    );
  }
  return { catalog: withoutPrototypes(parsed.data as Catalog), warnings };
}

/**
 * Reads and parses the ops.yml at `path`.
 *
 * @throws ConfigError naming OPS_CONFIG when the file cannot be read, or the problems {@link parseCatalogWith} finds.
 */
export async function loadCatalogWith(
  ops: ComposedCatalog,
  path: string,
  env: Record<string, string | undefined>,
): Promise<CatalogResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError([
      code === 'ENOENT'
        ? `OPS_CONFIG: file not found: ${path}`
        : `OPS_CONFIG: cannot read ${path}${code ? ` (${code})` : ''}`,
    ]);
  }
  return parseCatalogWith(ops, text, env);
}

function requiredMessage(issue: z.core.$ZodRawIssue): string | undefined {
  return issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined;
}

function isArgvEnvReference(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && issue.params?.[ARGV_ENV_REFERENCE] === true;
}

/**
 * `${VAR}` references inside argv arrays, found by validating the sections as written: ArgvSchema raises them
 * wherever a schema uses it. Every other issue of that pass is the real pass's business (it sees the values).
 */
function argvEnvReferences(ops: ComposedCatalog, sections: Record<string, unknown>): PathProblem[] {
  const asWritten = ops.schema.safeParse(sections);
  if (asWritten.success) return [];
  return asWritten.error.issues.filter(isArgvEnvReference).flatMap(toPathProblems);
}

function toPathProblems(issue: z.core.$ZodIssue): PathProblem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: [...path, key], message: 'unknown key' }));
    case 'invalid_key':
      // A record key that fails its pattern: the nested issue carries the useful message.
      return [{ path, message: issue.issues[0]?.message ?? issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** ` (line N)` for the deepest node of `path` present in the document, so that a missing key points at its parent. */
function lineOf(doc: Document, lines: LineCounter, path: Array<string | number>): string {
  for (let depth = path.length; depth > 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return ` (line ${lines.linePos(node.range[0]).line})`;
  }
  return '';
}

/**
 * Last line of defence: zod and the reference checks may quote a value (a reference name, a placeholder), and a value
 * may have come from the environment. Every value taken from the environment is blanked out of the message.
 */
function scrub(message: string, secrets: string[]): string {
  let out = message;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}
