/**
 * Helpers for a capability's cross-checks (`refs` in its config): they read the raw (interpolated) tree rather than
 * zod's output so that reference problems are reported in the same pass as shape errors, even when other parts of the
 * file are invalid; values of the wrong shape are skipped because the schema reports them.
 */
import type { PathProblem } from './interpolate.js';

export type ConfigTree = Record<string, unknown>;

export const isTree = (value: unknown): value is ConfigTree =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
export const keysIn = (value: unknown): Set<string> => new Set(isTree(value) ? Object.keys(value) : []);
export const entriesIn = (value: unknown): Array<[string, unknown]> => (isTree(value) ? Object.entries(value) : []);
export const itemsIn = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** Every service of the raw tree that is a mapping, with its path. */
export function rawServices(raw: ConfigTree): Array<[string, ConfigTree]> {
  return entriesIn(raw.services).filter((entry): entry is [string, ConfigTree] => isTree(entry[1]));
}

/** An approval (`{ from: <role> }`) whose role is not in `roles`. */
export function approvalRoleProblems(raw: ConfigTree, approval: unknown, path: Array<string | number>): PathProblem[] {
  if (!isTree(approval) || typeof approval.from !== 'string') return [];
  if (keysIn(raw.roles).has(approval.from)) return [];
  return [{ path: [...path, 'from'], message: `role "${approval.from}" is not defined in roles` }];
}

/** A check name that `services.<service>.checks` does not define. */
export function checkRefProblems(raw: ConfigTree, service: string, check: unknown, path: Array<string | number>) {
  if (typeof check !== 'string') return [];
  const entry = isTree(raw.services) ? raw.services[service] : undefined;
  if (!isTree(entry)) return [{ path, message: `service "${service}" is not defined in services` }];
  if (keysIn(entry.checks).has(check)) return [];
  return [{ path, message: `check "${check}" is not defined in services.${service}.checks` }];
}
