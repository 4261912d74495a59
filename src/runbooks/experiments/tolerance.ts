/**
 * Chaos Toolkit's tolerance check (chaoslib/hypothesis.py `within_tolerance`), ported: the same value shapes — a
 * process probe gives `{status, stdout, stderr}`, an http probe `{status, headers, body}` — and the same rules, so a
 * hypothesis means here what it means under `chaos run`. Pure.
 */
import type { Tolerance } from './schema.js';

type Value = unknown;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const statusOf = (v: Value): unknown => (isRecord(v) && 'status' in v ? v.status : undefined);
const targeted = (v: Value, target: string | undefined): Value =>
  target && isRecord(v) && target in v ? v[target] : v;

export function withinTolerance(tolerance: Tolerance, value: Value): boolean {
  if (typeof tolerance === 'boolean' || typeof tolerance === 'string') return value === tolerance;
  if (typeof tolerance === 'number')
    return isRecord(value) && 'status' in value ? value.status === tolerance : value === tolerance;
  if (Array.isArray(tolerance)) {
    if (isRecord(value) && 'status' in value) return tolerance.includes(statusOf(value) as never);
    if (tolerance.length === 2 && typeof value === 'number') {
      const [low, high] = tolerance as [number, number];
      return low <= value && value <= high;
    }
    return tolerance.includes(value as never);
  }
  switch (tolerance.type) {
    case 'range': {
      const number = Number(targeted(value, tolerance.target));
      return Number.isFinite(number) && tolerance.range[0] <= number && number <= tolerance.range[1];
    }
    case 'regex': {
      const text = targeted(value, tolerance.target);
      return typeof text === 'string' && new RegExp(tolerance.pattern).test(text);
    }
    case 'jsonpath': {
      let doc = targeted(value, tolerance.target);
      if (typeof doc === 'string') {
        try {
          doc = JSON.parse(doc);
        } catch {
          // Not JSON: matched as is, like Chaos Toolkit.
        }
      }
      const found = jsonPath(doc, tolerance.path);
      if (found === undefined) return false;
      let ok = found.length > 0;
      if (tolerance.count !== undefined) ok = found.length === tolerance.count;
      if ('expect' in tolerance) {
        const expected = Array.isArray(tolerance.expect) ? tolerance.expect : [tolerance.expect];
        ok = JSON.stringify(found) === JSON.stringify(expected);
      }
      return ok;
    }
  }
  return false;
}

/**
 * The JSONPath subset experiments use in practice: `$`, `.key`, `['key']`, `[n]` and `[*]`. Undefined for a path
 * outside it (the probe then fails, saying so, rather than matching by accident).
 */
export function jsonPath(doc: unknown, path: string): unknown[] | undefined {
  const parts = /^\$((?:\.[A-Za-z_][\w-]*|\[\d+\]|\[\*\]|\['[^']*'\]|\["[^"]*"\])*)$/.exec(path.trim());
  if (!parts) return undefined;
  const segments = [...parts[1]!.matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[(\*)\]|\['([^']*)'\]|\["([^"]*)"\]/g)];
  let current: unknown[] = [doc];
  for (const [, dotted, index, star, single, double] of segments) {
    const next: unknown[] = [];
    for (const node of current) {
      if (star !== undefined) {
        if (Array.isArray(node)) next.push(...node);
        else if (isRecord(node)) next.push(...Object.values(node));
      } else if (index !== undefined) {
        if (Array.isArray(node) && Number(index) < node.length) next.push(node[Number(index)]);
      } else {
        const key = dotted ?? single ?? double!;
        if (isRecord(node) && key in node) next.push(node[key]);
      }
    }
    current = next;
  }
  return current;
}
