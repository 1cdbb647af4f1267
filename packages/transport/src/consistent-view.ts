import { TypeUrl, type Cluster, type ClusterLoadAssignment, type Listener, type RouteConfiguration, type Secret, type XdsTypeUrl } from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';
import type { ClientTypeState, HeldResource } from './client-type-state.js';
import { edsServiceName, listenerRouteNames } from './resource-types.js';
import type { ReceivedResource, XdsSnapshot } from './xds-snapshot.js';

/** A cluster as published, with the endpoints it was complete with (none: inline or known missing). */
interface PublishedCluster {
  cluster: HeldResource;
  endpoints?: HeldResource;
}

interface PublishedListener {
  listener: HeldResource;
  routes: HeldResource[];
}

/** What the consumer last saw. Resources are compared by identity: a held copy changes object when it changes. */
export interface PublishedView {
  clusters: Map<string, PublishedCluster>;
  listeners: Map<string, PublishedListener>;
  secrets: Map<string, HeldResource>;
}

export function emptyView(): PublishedView {
  return { clusters: new Map(), listeners: new Map(), secrets: new Map() };
}

export type TypeStates = ReadonlyMap<XdsTypeUrl, ClientTypeState>;

// Derived facts per held copy (a held copy is replaced, never mutated, when its content changes).
const edsNames = new WeakMap<HeldResource, string | null>();
const routeNames = new WeakMap<HeldResource, string[]>();
const receivedOf = new WeakMap<HeldResource, ReceivedResource>();

function edsNameOf(cluster: HeldResource): string | undefined {
  let name = edsNames.get(cluster);
  if (name === undefined) edsNames.set(cluster, (name = edsServiceName(cluster.message as Cluster) ?? null));
  return name ?? undefined;
}

function routeNamesOf(listener: HeldResource): string[] {
  let names = routeNames.get(listener);
  if (!names) routeNames.set(listener, (names = listenerRouteNames(listener.message as Listener)));
  return names;
}

/**
 * Envoy-style warming, resource by resource: a cluster is published with its endpoints once they
 * arrived (or are known not to exist), a listener once all its route configurations did. Until
 * then the previously published copy stays, or the resource is left out if it is new. The result
 * is always consistent and never loses what was published because something is still in flight.
 */
export function computeView(states: TypeStates, previous: PublishedView): PublishedView {
  const cds = states.get(TypeUrl.Cluster)!;
  const eds = states.get(TypeUrl.ClusterLoadAssignment)!;
  const lds = states.get(TypeUrl.Listener)!;
  const rds = states.get(TypeUrl.RouteConfiguration)!;
  const sds = states.get(TypeUrl.Secret)!;
  const view = emptyView();
  for (const [name, cluster] of cds.resources) {
    const edsName = edsNameOf(cluster);
    const endpoints = edsName === undefined ? undefined : eds.resources.get(edsName);
    const before = previous.clusters.get(name);
    if (edsName === undefined || endpoints || eds.missing.has(edsName)) {
      // Reuse the previous entry when nothing changed: keeps sameView() and the GC cheap.
      view.clusters.set(name, before?.cluster === cluster && before.endpoints === endpoints ? before : { cluster, endpoints });
    } else if (before) {
      view.clusters.set(name, before);
    }
  }
  for (const [name, listener] of lds.resources) {
    const names = routeNamesOf(listener);
    const routes = names.map((r) => rds.resources.get(r));
    if (names.every((r, i) => routes[i] || rds.missing.has(r))) {
      view.listeners.set(name, { listener, routes: routes.filter((r): r is HeldResource => r !== undefined) });
    } else if (previous.listeners.has(name)) {
      view.listeners.set(name, previous.listeners.get(name)!);
    }
  }
  for (const [name, secret] of sds.resources) view.secrets.set(name, secret);
  return view;
}

function sameMap<V>(a: Map<string, V>, b: Map<string, V>, same: (x: V, y: V) => boolean): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (w === undefined || !same(v, w)) return false;
  }
  return true;
}

export function sameView(a: PublishedView, b: PublishedView): boolean {
  return (
    sameMap(a.clusters, b.clusters, (x, y) => x === y || (x.cluster === y.cluster && x.endpoints === y.endpoints)) &&
    sameMap(a.listeners, b.listeners, (x, y) => x.listener === y.listener && x.routes.length === y.routes.length && x.routes.every((r, i) => r === y.routes[i])) &&
    sameMap(a.secrets, b.secrets, (x, y) => x === y)
  );
}

/**
 * Initial sync is complete when LDS and CDS answered and every EDS/RDS name they reference is
 * either here or known missing: the first snapshot a consumer sees is the whole configuration.
 */
export function initialSyncComplete(states: TypeStates): boolean {
  const cds = states.get(TypeUrl.Cluster)!;
  const lds = states.get(TypeUrl.Listener)!;
  if (!cds.synced || !lds.synced) return false;
  return states.get(TypeUrl.ClusterLoadAssignment)!.pending().length === 0 && states.get(TypeUrl.RouteConfiguration)!.pending().length === 0;
}

/** The consumer-facing snapshot of a view. */
export function snapshotOf(view: PublishedView, states: TypeStates): XdsSnapshot {
  const received: ReceivedResource[] = [];
  const note = (typeUrl: XdsTypeUrl, r: HeldResource): void => {
    let entry = receivedOf.get(r);
    if (!entry) receivedOf.set(r, (entry = { typeUrl, name: r.name, version: r.version }));
    received.push(entry);
  };
  const resources: XdsResources = { listeners: [], routeConfigurations: [], clusters: [], clusterLoadAssignments: [], secrets: [] };
  const claSeen = new Set<string>();
  for (const { cluster, endpoints } of view.clusters.values()) {
    resources.clusters.push(cluster.message as Cluster);
    note(TypeUrl.Cluster, cluster);
    if (endpoints && !claSeen.has(endpoints.name)) {
      claSeen.add(endpoints.name);
      resources.clusterLoadAssignments.push(endpoints.message as ClusterLoadAssignment);
      note(TypeUrl.ClusterLoadAssignment, endpoints);
    }
  }
  const routeSeen = new Set<string>();
  for (const { listener, routes } of view.listeners.values()) {
    resources.listeners.push(listener.message as Listener);
    note(TypeUrl.Listener, listener);
    for (const route of routes) {
      if (routeSeen.has(route.name)) continue;
      routeSeen.add(route.name);
      resources.routeConfigurations.push(route.message as RouteConfiguration);
      note(TypeUrl.RouteConfiguration, route);
    }
  }
  for (const secret of view.secrets.values()) {
    resources.secrets.push(secret.message as Secret);
    note(TypeUrl.Secret, secret);
  }
  const versions: XdsSnapshot['versions'] = {};
  for (const [typeUrl, state] of states) if (state.version) versions[typeUrl] = state.version;
  return { resources, versions, received };
}
