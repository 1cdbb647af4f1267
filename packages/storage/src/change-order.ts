import { RESOURCE_KINDS, type Change, type ResourceKind } from './storage.js';

/** The key of an object as APISIX's shared dict names it: `/<kind>/<id>`. */
export function changeKey(kind: ResourceKind, id: string): string {
  return `/${kind}/${id}`;
}

const rank = new Map<ResourceKind, number>(RESOURCE_KINDS.map((k, i) => [k, i]));

/**
 * Safe write order: puts first, referenced kinds (upstreams, ssls, plugin_configs, global_rules)
 * before the routes that use them; then deletions, routes first and upstreams last. So a reader
 * that sees any prefix of the sequence never finds a route pointing at a missing upstream.
 */
export function safeOrder(changes: readonly Change[]): Change[] {
  const puts = changes.filter((c) => c.op === 'put');
  const deletes = changes.filter((c) => c.op === 'delete');
  const byRank = (sign: number) => (a: Change, b: Change) =>
    sign * (rank.get(a.kind)! - rank.get(b.kind)!) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return [...puts.sort(byRank(1)), ...deletes.sort(byRank(-1))];
}

/** The last change per key wins (a queue of changes coalesced per key). */
export function coalesce(changes: readonly Change[]): Change[] {
  const last = new Map<string, Change>();
  for (const c of changes) {
    const key = changeKey(c.kind, c.id);
    last.delete(key);
    last.set(key, c);
  }
  return [...last.values()];
}
