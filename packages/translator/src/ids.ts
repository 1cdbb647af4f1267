/**
 * Deterministic, restart-stable APISIX ids: a readable prefix plus a hash of the source name, so
 * that ids survive restarts and fit APISIX's id pattern (`^[a-zA-Z0-9-_.]+$`, at most 64 chars).
 * The hash is plain JS (no node:crypto) so the translator runs anywhere protobuf-es does.
 */
export type IdKind = 'u' | 'r' | 's' | 'sr' | 'pc';

export function stableId(kind: IdKind, ...parts: readonly (string | number)[]): string {
  const text = parts.join('\u0000');
  return `${kind}-${hash53(text, 0x9e3779b9).toString(16).padStart(14, '0')}${hash53(text, 0x85ebca6b).toString(16).padStart(14, '0')}`;
}

/** The upstream id of an Envoy cluster: the one both sides of the translation agree on. */
export function upstreamIdFor(clusterName: string): string {
  return stableId('u', clusterName);
}

/** A 53-bit string hash (cyrb53); two seeds give ~106 bits, ample for a mesh's names. */
function hash53(str: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
