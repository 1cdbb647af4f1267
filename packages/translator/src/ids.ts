/**
 * Deterministic, restart-stable APISIX ids: a readable prefix plus a hash of the source name, so
 * that ids survive restarts and fit APISIX's id pattern (`^[a-zA-Z0-9-_.]+$`, at most 64 chars).
 * The hash is plain JS (no node:crypto) so the translator runs anywhere protobuf-es does.
 */
export type IdKind = 'u' | 'r' | 's' | 'sr' | 'pc';

export function stableId(kind: IdKind, ...parts: readonly (string | number)[]): string {
  hash53x2(parts, 0x9e3779b9, 0x85ebca6b);
  return idString(kind, hashOut[0]!, hashOut[1]!);
}

/** Hex digits by value, as char codes. */
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
/** Char codes of one id (prefix, '-', 28 hex digits), reused: ids are made for every route and upstream. */
const codes: number[] = [];

/**
 * `${kind}-` then both 53-bit hashes as 14 hex digits each (as toString(16).padStart(14, '0')).
 * Built in one String.fromCharCode call: a flat string, instead of one string per appended digit.
 */
function idString(kind: string, a: number, b: number): string {
  let n = 0;
  for (let i = 0; i < kind.length; i++) codes[n++] = kind.charCodeAt(i);
  codes[n++] = 45; // '-'
  n = hex53(a, n);
  n = hex53(b, n);
  codes.length = n;
  return String.fromCharCode.apply(null, codes);
}

/** Writes a 53-bit integer as 14 hex digits into `codes` at `at`; returns the end. */
function hex53(v: number, at: number): number {
  let lo = v >>> 0;
  let hi = Math.floor(v / 4294967296);
  for (let k = at + 13; k >= at + 6; k--, lo >>>= 4) codes[k] = HEX_CODES[lo & 15]!;
  for (let k = at + 5; k >= at; k--, hi >>>= 4) codes[k] = HEX_CODES[hi & 15]!;
  return at + 14;
}

/** The upstream id of an Envoy cluster: the one both sides of the translation agree on. */
export function upstreamIdFor(clusterName: string): string {
  return stableId('u', clusterName);
}

/** hash53x2's result (no array per id). */
const hashOut: number[] = [0, 0];

/**
 * Two 53-bit string hashes (cyrb53 with two seeds), ~106 bits, ample for a mesh's names. One pass
 * over the string computes both (ids are made for every route and upstream of a large mesh).
 */
function hash53x2(parts: readonly (string | number)[], seedA: number, seedB: number): void {
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
  hashOut[0] = finish(a1, a2);
  hashOut[1] = finish(b1, b2);
}

function finish(h1: number, h2: number): number {
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
