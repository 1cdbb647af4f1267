/** Appends a key or an index to a JSON path in the `a.b[0].c` notation used by errors and reports. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_@][A-Za-z0-9_@]*$/.test(key)) return base ? `${base}.${key}` : key;
  return `${base}[${JSON.stringify(key)}]`;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a field written either in snake_case (Envoy dumps) or camelCase (proto3 JSON). */
export function field(obj: JsonObject, snakeName: string): unknown {
  if (snakeName in obj) return obj[snakeName];
  const camel = snakeName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  return obj[camel];
}

/** The key under which `field` found the value, for paths that match the file. */
export function fieldKey(obj: JsonObject, snakeName: string): string {
  if (snakeName in obj) return snakeName;
  return snakeName.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
