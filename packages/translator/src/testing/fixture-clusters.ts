import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { HttpConnectionManagerSchema, type Route, type RouteConfiguration } from '@amesh/proto';
import { HCM_TYPE } from '../listener-translator.js';
import type { XdsResources } from '../xds-resources.js';
import { staticCluster } from './xds-builders.js';

/** Route configurations of `xds`: RDS ones and those inline in listeners' HCMs. */
export function allRouteConfigs(xds: XdsResources): RouteConfiguration[] {
  const out = [...xds.routeConfigurations];
  for (const l of xds.listeners) {
    for (const chain of [...l.filterChains, ...(l.defaultFilterChain ? [l.defaultFilterChain] : [])]) {
      for (const f of chain.filters) {
        if (f.configType.case !== 'typedConfig' || f.configType.value.typeUrl !== HCM_TYPE) continue;
        const hcm = anyUnpack(f.configType.value, HttpConnectionManagerSchema);
        if (hcm?.routeSpecifier.case === 'routeConfig') out.push(hcm.routeSpecifier.value);
      }
    }
  }
  return out;
}

/** Every route of every route configuration of `xds`. */
export function allRoutes(xds: XdsResources): Route[] {
  return allRouteConfigs(xds).flatMap((rc) => rc.virtualHosts.flatMap((v) => v.routes));
}

/** Every cluster name the routes send to. */
export function routeClusterNames(routes: readonly Route[]): string[] {
  const out = new Set<string>();
  for (const r of routes) {
    if (r.action.case !== 'route') continue;
    const cs = r.action.value.clusterSpecifier;
    if (cs.case === 'cluster') out.add(cs.value);
    if (cs.case === 'weightedClusters') for (const c of cs.value.clusters) out.add(c.name);
    for (const m of r.action.value.requestMirrorPolicies) if (m.cluster) out.add(m.cluster);
  }
  return [...out].sort();
}

/**
 * Route-only fixtures carry no clusters: add a STATIC cluster (one endpoint, 10.255.x.y:8080) for
 * each referenced name that is missing, so that the route side can be exercised (tests only).
 */
export function withStaticClusters(xds: XdsResources, names: readonly string[]): XdsResources {
  const have = new Set(xds.clusters.map((c) => c.name));
  const extra = names.filter((n) => !have.has(n)).map((n, i) => staticCluster(n, `10.255.${(i >> 8) & 255}.${i & 255}`));
  return { ...xds, clusters: [...xds.clusters, ...extra] };
}
