/**
 * The one way a capability defers touching its services until run time: `lazy(make)` makes the value on first call
 * and keeps it. A capability's `build` runs without services when help, the manifest and the Home lines are derived,
 * so what registers metrics, reads the catalog or builds another capability's store is made through this.
 */
export function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}
