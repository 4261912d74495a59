/**
 * Every name a user types (`/ops deploy api 1.2.3 to production`) selects an entry of the catalog by indexing an
 * object with it. On a plain object `constructor`, `toString` or `__proto__` find Object.prototype's members, which
 * are truthy: `environments['constructor']` once let a deploy run with no approval and no verify list. The parsed
 * catalog therefore holds no object with a prototype, so any lookup by name, today's and those new capabilities add,
 * sees own entries only.
 */
export function withoutPrototypes<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutPrototypes) as T;
  if (value === null || typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, entry] of Object.entries(value)) out[key] = withoutPrototypes(entry);
  return out as T;
}
