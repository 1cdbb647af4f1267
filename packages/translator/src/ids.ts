/**
 * Deterministic, restart-stable APISIX ids: a readable prefix plus a hash of the source name, so
 * that ids survive restarts and fit APISIX's id pattern (`^[a-zA-Z0-9-_.]+$`, at most 64 chars).
 * The hash is plain JS (no node:crypto) so the translator runs anywhere protobuf-es does.
 */
export type IdKind = 'u' | 'r' | 's' | 'sr' | 'pc';

export function stableId(kind: IdKind, ...parts: readonly (string | number)[]): string {
  const [a, b] = hash53x2(parts, 0x9e3779b9, 0x85ebca6b);
  return `${kind}-${hex53(a)}${hex53(b)}`;
}

const HEX = '0123456789abcdef';

/** A 53-bit integer as 14 hex digits (as toString(16).padStart(14, '0'), without double formatting). */
function hex53(n: number): string {
  const hi = Math.floor(n / 4294967296);
  let lo = n >>> 0;
  let out = '';
  for (let k = 0; k < 8; k++, lo >>>= 4) out = HEX[lo & 15]! + out;
  let h = hi;
  for (let k = 0; k < 6; k++, h >>>= 4) out = HEX[h & 15]! + out;
  return out;
}

/** The upstream id of an Envoy cluster: the one both sides of the translation agree on. */
export function upstreamIdFor(clusterName: string): string {
  return stableId('u', clusterName);
}

/**
 * Two 53-bit string hashes (cyrb53 with two seeds), ~106 bits, ample for a mesh's names. One pass
 * over the string computes both (ids are made for every route and upstream of a large mesh).
 */
function hash53x2(parts: readonly (string | number)[], seedA: number, seedB: number): [number, number] {
  let a1 = 0xdeadbeef ^ seedA;
  let a2 = 0x41c6ce57 ^ seedA;
  let b1 = 0xdeadbeef ^ seedB;
  let b2 = 0x41c6ce57 ^ seedB;
  // The parts joined by NUL, hashed without building the joined string.
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p]!;
    const str = typeof part === 'string' ? part : String(part);
    if (p > 0) {
      a1 = Math.imul(a1, 2654435761);
      a2 = Math.imul(a2, 1597334677);
      b1 = Math.imul(b1, 2654435761);
      b2 = Math.imul(b2, 1597334677);
    }
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      a1 = Math.imul(a1 ^ ch, 2654435761);
      a2 = Math.imul(a2 ^ ch, 1597334677);
      b1 = Math.imul(b1 ^ ch, 2654435761);
      b2 = Math.imul(b2 ^ ch, 1597334677);
    }
  }
  return [finish(a1, a2), finish(b1, b2)];
}

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
