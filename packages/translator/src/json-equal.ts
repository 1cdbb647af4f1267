/**
 * Whether two JSON-like values would serialise to the same JSON, whatever their key order
 * (undefined members count as absent, as JSON.stringify drops them). Allocation-free, so that
 * comparing a 10k-service configuration with the last written one stays cheap. `ignoreTopLevel`
 * names fields a backend adds on its own (etcd's timestamps).
 */
export function jsonEqual(a: unknown, b: unknown, ignoreTopLevel?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let countX = 0;
  for (const k in x) {
    const v = x[k];
    if (v === undefined || ignoreTopLevel?.has(k)) continue;
    countX++;
    if (!jsonEqual(v, y[k])) return false;
  }
  let countY = 0;
  for (const k in y) if (y[k] !== undefined && !ignoreTopLevel?.has(k)) countY++;
  return countX === countY;
}
