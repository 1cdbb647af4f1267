import type { PathKey } from './route-match.js';

/**
 * Keeping Envoy's first-match order under APISIX's radixtree.
 *
 * Envoy tries a virtual host's routes in list order. radixtree_host_uri tries, inside one host,
 * exact-uri candidates first, then prefix candidates from the longest prefix down, and only then
 * `priority` (higher first) among candidates of the same path. Giving routes a descending priority
 * in list order therefore preserves Envoy's order exactly when no route is overtaken by a later
 * route with a more specific key that can match the same path. If one is, the whole virtual host
 * is put in "ordered" mode: every route gets the same key `/*`, its path condition moves into
 * `vars`, and priority alone decides — the same order as Envoy's.
 */
export type OrderingMode = 'native' | 'ordered';

/** radixtree's order of keys: exact beats prefix, longer prefix beats shorter. */
function specificity(k: PathKey): number {
  switch (k.kind) {
    case 'exact':
      return Number.MAX_SAFE_INTEGER;
    case 'prefix':
      return k.prefix.length;
    default:
      return 1; // `/*`
  }
}

function keyText(k: PathKey): string {
  return k.kind === 'exact' ? k.uri : k.kind === 'prefix' ? k.prefix : '/';
}

/** Can a path match both keys? (prefix/any keys are prefixes; exact keys single paths.) */
function overlaps(earlier: PathKey, later: PathKey): boolean {
  if (earlier.kind === 'exact' && later.kind === 'exact') return earlier.uri === later.uri;
  if (earlier.kind === 'exact') return earlier.uri.startsWith(keyText(later));
  return keyText(later).startsWith(keyText(earlier));
}

/**
 * `native` when APISIX's key order never puts a later route before an earlier one that can
 * match the same path; `ordered` otherwise. Linear in the common case: it compares each route
 * only with earlier ones, and stops at the first conflict.
 */
export function orderingMode(keys: readonly PathKey[]): OrderingMode {
  for (let j = 1; j < keys.length; j++) {
    const kj = keys[j]!;
    const sj = specificity(kj);
    if (sj === 1) continue; // `/*` is never tried before anything else
    for (let i = 0; i < j; i++) {
      const ki = keys[i]!;
      if (specificity(ki) < sj && overlaps(ki, kj)) return 'ordered';
    }
  }
  return 'native';
}

/** The `uris` a key becomes in native mode. */
export function nativeUris(k: PathKey): string[] {
  switch (k.kind) {
    case 'exact':
      return [k.uri];
    case 'prefix':
      return [`${k.prefix}*`];
    default:
      return ['/*'];
  }
}

/** The uri every route of an ordered vhost (and every `any`-key route) shares. */
export const ANY_URIS: readonly string[] = ['/*'];

/** Priority of the i-th route of n (list order, higher first); terminal routes sit below all. */
export function routePriority(i: number, n: number): number {
  return n - i;
}

export const TERMINAL_PRIORITY = -1;
