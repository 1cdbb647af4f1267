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

/**
 * `native` when APISIX's key order never puts a later route before an earlier one that can
 * match the same path; `ordered` otherwise. A later route overtakes an earlier one when its key is
 * more specific and the earlier key is a prefix of it: an exact uri under an earlier prefix, a
 * longer prefix under an earlier shorter one, anything under an earlier `/*`. Linear in the total
 * key length: each key is checked against the set of earlier prefixes.
 */
export function orderingMode(keys: readonly PathKey[]): OrderingMode {
  const earlierPrefixes = new Set<string>();
  for (const k of keys) {
    if (k.kind === 'any') {
      earlierPrefixes.add('/');
      continue;
    }
    const text = k.kind === 'exact' ? k.uri : k.prefix;
    if (earlierPrefixes.size > 0) {
      // An exact uri is overtaken by an earlier prefix of any length up to itself; a prefix
      // only by a strictly shorter one (equal prefixes share a node, where priority keeps order).
      const last = k.kind === 'exact' ? text.length : text.length - 1;
      for (let n = 1; n <= last; n++) if (earlierPrefixes.has(text.slice(0, n))) return 'ordered';
    }
    if (k.kind === 'prefix') earlierPrefixes.add(text);
  }
  return 'native';
}

/** The `uris` a key becomes in native mode. */
export function nativeUris(k: PathKey): string[] {
  switch (k.kind) {
    case 'exact':
      return [k.uri];
    case 'prefix':
      // The literal for `/` (most routes of a mesh): no new string per route.
      return [k.prefix === '/' ? '/*' : `${k.prefix}*`];
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
