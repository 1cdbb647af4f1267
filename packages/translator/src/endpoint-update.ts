import type { ApisixUpstream } from './apisix-types.js';
import { retranslateCluster, type ClusterOutcome } from './cluster-translator.js';
import { jsonEqual } from './json-equal.js';
import { sameRouteFacet } from './route-translator.js';
import { sameItems, sameReport } from './same-items.js';
import type { TranslateResult, TranslationMemo } from './translate.js';
import { resolveCluster, type ResolvedCluster } from './upstream-variants.js';
import type { XdsRefs } from './xds-resources.js';

/** The clusters that took assignment `claName` in the last run. */
function usersOf(claName: string, memo: TranslationMemo): string[] {
  const others = memo.last!.otherUsersOfCla.get(claName) ?? [];
  return memo.clusters.outcomes.get(claName)?.claName === claName ? [claName, ...others] : others;
}

/**
 * The most frequent push in a mesh, done without a pass over the whole snapshot: only
 * ClusterLoadAssignments changed (same names, same places), and re-translating their clusters
 * changes nothing but upstream nodes. Then routes, report and every other upstream stay as they
 * are, and only the affected upstream objects are replaced in the last result. Returns undefined
 * whenever that is not certain; the caller then runs the full (memoized) translation.
 */
export function endpointUpdate(xds: XdsRefs, memo: TranslationMemo): TranslateResult | undefined {
  const last = memo.last;
  if (!last || !last.endpointOnly) return undefined;
  if (
    !sameItems(last.input.clusters, xds.clusters ?? []) ||
    !sameItems(last.input.listeners, xds.listeners ?? []) ||
    !sameItems(last.input.routeConfigurations, xds.routeConfigurations ?? []) ||
    !sameItems(last.input.secrets, xds.secrets ?? [])
  ) {
    return undefined;
  }
  const clas = xds.clusterLoadAssignments ?? [];
  const lastClas = last.input.clusterLoadAssignments;
  if (clas.length !== lastClas.length) return undefined;
  const updates: { name: string; outcome: ClusterOutcome; resolved?: ResolvedCluster; replace: [ApisixUpstream, ApisixUpstream][] }[] = [];
  for (let i = 0; i < clas.length; i++) {
    const cla = clas[i]!;
    if (cla === lastClas[i]) continue;
    if (cla.name !== lastClas[i]!.name) return undefined;
    for (const name of usersOf(cla.name, memo)) {
      const before = memo.clusters.outcomes.get(name);
      // Clusters whose outputs read more than their own endpoints go the full way.
      if (!before?.upstream || !before.complete || before.aggregate || before.clientSecret !== undefined || before.inlineSsl) return undefined;
      if (last.l4.has(name) || last.nodeReaders.has(name)) return undefined;
      const after = retranslateCluster(before.cluster, cla, last.secretMaterials);
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
  // Everything but the assignments is the same items as last time: this input stands for both.
  last.input = xds;
  if (!upstreams) return last.result;
  memo.upstreamOrder.replaced(upstreams);
  const result: TranslateResult = { config: { ...last.result.config, upstreams }, report: last.result.report };
  last.result = result;
  return result;
}
