import type { Cluster, ClusterLoadAssignment } from '@amesh/proto';
import type { ApisixUpstream } from './apisix-types.js';
import { retranslateCluster, type ClusterOutcome } from './cluster-translator.js';
import { jsonEqual } from './json-equal.js';
import { sameRouteFacet } from './route-translator.js';
import { sameItems, sameReport } from './same-items.js';
import type { TranslateResult, TranslationMemo } from './translate.js';
import { resolveCluster, type ResolvedCluster } from './upstream-variants.js';
import type { XdsRef, XdsRefs } from './xds-resources.js';

/**
 * Calls `changed` for every item that is not the very one in its place last time; false (the
 * caller then goes the full way) when the list grew, shrank, or a place holds another name.
 */
function eachChanged<T extends { readonly name: string }>(now: readonly T[], before: readonly T[], changed: (item: T) => void): boolean {
  if (now === before) return true;
  if (now.length !== before.length) return false;
  for (let i = 0; i < now.length; i++) {
    const item = now[i]!;
    if (item === before[i]) continue;
    if (item.name !== before[i]!.name) return false;
    changed(item);
  }
  return true;
}

/** The clusters that took assignment `claName` in the last run. */
function usersOf(claName: string, memo: TranslationMemo): string[] {
  const others = memo.last!.otherUsersOfCla.get(claName) ?? [];
  return memo.clusters.outcomes.get(claName)?.claName === claName ? [claName, ...others] : others;
}

/**
 * The most frequent pushes in a mesh, done without a pass over the whole snapshot: only
 * ClusterLoadAssignments and Clusters changed (same names, same places), and translating the
 * affected clusters again changes nothing but what their upstream objects hold (nodes, health
 * checks, keepalive pool, ...), not what routes read of them (see sameRouteFacet) nor their info. Then routes, report and every other upstream
 * stay as they are, and only the affected upstream objects are replaced in the last result.
 * Returns undefined whenever that is not certain; the caller then runs the full (memoized)
 * translation.
 */
export function upstreamUpdate(xds: XdsRefs, memo: TranslationMemo): TranslateResult | undefined {
  const last = memo.last;
  if (!last || !last.upstreamOnly) return undefined;
  if (
    !sameItems(last.input.listeners, xds.listeners ?? []) ||
    !sameItems(last.input.routeConfigurations, xds.routeConfigurations ?? []) ||
    !sameItems(last.input.secrets, xds.secrets ?? [])
  ) {
    return undefined;
  }
  // The clusters to translate again, with the message each is now: users of a changed assignment, and changed clusters.
  const redo = new Map<string, XdsRef<Cluster>>();
  const changedClas = new Map<string, XdsRef<ClusterLoadAssignment>>();
  const clasInPlace = eachChanged(xds.clusterLoadAssignments ?? [], last.input.clusterLoadAssignments, (cla) => {
    changedClas.set(cla.name, cla);
    for (const name of usersOf(cla.name, memo)) redo.set(name, memo.clusters.outcomes.get(name)!.cluster);
  });
  if (!clasInPlace || !eachChanged(xds.clusters ?? [], last.input.clusters, (cluster) => redo.set(cluster.name, cluster))) return undefined;
  const updates: { name: string; outcome: ClusterOutcome; resolved?: ResolvedCluster; replace: [ApisixUpstream, ApisixUpstream][] }[] = [];
  for (const [name, cluster] of redo) {
    const before = memo.clusters.outcomes.get(name);
    // Clusters whose outputs read more than their own message and endpoints go the full way.
    if (!before?.upstream || !before.complete || before.aggregate || before.clientSecret !== undefined || before.inlineSsl) return undefined;
    if (last.l4.has(name) || last.nodeReaders.has(name)) return undefined;
    const after = retranslateCluster(cluster, changedClas.get(before.claKey) ?? before.cla, last.secretMaterials);
    // Asks for or takes another assignment (which the report of unused ones reads), or reads shared state now: the full way.
    if (after.claKey !== before.claKey || after.claName !== before.claName || after.aggregate || after.clientSecret !== undefined || after.inlineSsl) return undefined;
    if (!after.upstream || after.complete !== before.complete || after.passthrough !== before.passthrough) return undefined;
    if (!jsonEqual(after.info, before.info) || !sameReport(after.items, before.items) || !sameRouteFacet(after.upstream, before.upstream)) return undefined;
    const upstream = jsonEqual(after.upstream, before.upstream) ? before.upstream : after.upstream;
    const outcome: ClusterOutcome = { ...after, items: before.items, upstream };
    if (upstream === before.upstream) {
      updates.push({ name, outcome, replace: [] });
      continue;
    }
    const r = memo.variants.get(name);
    if (!r) {
      updates.push({ name, outcome, replace: [[before.upstream, upstream]] });
      continue;
    }
    const made = resolveCluster(upstream, r.keys, r.params, r.winner).map((u, j) => (jsonEqual(u, r.out[j]) ? r.out[j]! : u));
    updates.push({ name, outcome, resolved: { ...r, base: upstream, out: made }, replace: made.map((u, j) => [r.out[j]!, u]) });
  }
  const upstreams = updates.some((u) => u.replace.length > 0) ? last.result.config.upstreams.slice() : undefined;
  for (const { replace } of updates) {
    for (const [from, to] of replace) {
      if (!upstreams) break;
      const k = memo.upstreamOrder.indexOf(from.id);
      if (k === undefined || upstreams[k] !== from) return undefined;
      upstreams[k] = to;
    }
  }
  // Certain now: commit to the memo.
  for (const u of updates) {
    memo.clusters.outcomes.set(u.name, u.outcome);
    if (u.resolved) memo.variants.set(u.name, u.resolved);
  }
  // Everything but these clusters and assignments is the same items as last time: this input stands for both.
  last.input = xds;
  if (!upstreams) return last.result;
  memo.upstreamOrder.replaced(upstreams);
  const result: TranslateResult = { config: { ...last.result.config, upstreams }, report: last.result.report };
  last.result = result;
  return result;
}
