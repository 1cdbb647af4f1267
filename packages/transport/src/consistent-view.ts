import { TypeUrl, type Cluster, type ClusterLoadAssignment, type Listener, type RouteConfiguration, type Secret, type XdsTypeUrl } from '@amesh/proto';
import type { XdsRef, XdsRefs } from '@amesh/translator';
import type { ClientTypeState, HeldResource } from './client-type-state.js';
import { listenerRouteNames } from './resource-types.js';
import { LazyReceivedSnapshot, type ReceivedResource, type XdsSnapshot } from './xds-snapshot.js';

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
const routeNames = new WeakMap<HeldResource, string[]>();

function edsNameOf(cluster: HeldResource): string | undefined {
  return cluster.clusterRefs?.eds;
}

function routeNamesOf(listener: HeldResource): string[] {
  let names = routeNames.get(listener);
  if (!names) routeNames.set(listener, (names = listenerRouteNames(listener.message() as Listener)));
  return names;
}

/** A held resource as the translator takes it: the type states hold clusters and assignments. */
function refTo<T>(r: HeldResource): XdsRef<T> {
  return r as unknown as XdsRef<T>;
}

/**
 * Envoy-style warming, resource by resource: a cluster is published with its endpoints once they
 * arrived (or are known not to exist), a listener once all its route configurations did. Until
 * then the previously published copy stays, or the resource is left out if it is new. The result
 * is always consistent and never loses what was published because something is still in flight.
 * `previous` is the latest view and is used up: patchedView (endpoint and same-assignment cluster updates) changes its cluster map in place.
 */
export function computeView(states: TypeStates, previous: PublishedView): PublishedView {
  const cds = states.get(TypeUrl.Cluster)!;
  const eds = states.get(TypeUrl.ClusterLoadAssignment)!;
  const lds = states.get(TypeUrl.Listener)!;
  const rds = states.get(TypeUrl.RouteConfiguration)!;
  const sds = states.get(TypeUrl.Secret)!;
  const marks = markOf(states);
  const fast = patchedView(states, previous, marks);
  if (fast) return fast;
  const view = emptyView();
  const clustersOfEds = new Map<string, string | string[]>();
  for (const [name, cluster] of cds.resources) {
    const edsName = edsNameOf(cluster);
    if (edsName !== undefined) {
      // The usual single cluster as a plain string: no array per service.
      const had = clustersOfEds.get(edsName);
      if (had === undefined) clustersOfEds.set(edsName, name);
      else if (typeof had === 'string') clustersOfEds.set(edsName, [had, name]);
      else had.push(name);
    }
    const entry = clusterEntry(name, cluster, edsName, eds, previous);
    if (entry) view.clusters.set(name, entry);
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
  viewFacts.set(view, { marks, clustersOfEds });
  return view;
}

/** A cluster's entry in a view (undefined: not published yet), reusing the previous one when equal. */
function clusterEntry(name: string, cluster: HeldResource, edsName: string | undefined, eds: ClientTypeState, previous: PublishedView): PublishedCluster | undefined {
  const endpoints = edsName === undefined ? undefined : eds.resources.get(edsName);
  const before = previous.clusters.get(name);
  if (edsName === undefined || endpoints || eds.missing.has(edsName)) {
    // Reuse the previous entry when nothing changed: keeps sameView() and the GC cheap.
    return before?.cluster === cluster && before.endpoints === endpoints ? before : { cluster, endpoints };
  }
  return before;
}

/** Where each type state stood (its revision) when a view was computed. */
type Marks = ReadonlyMap<XdsTypeUrl, number>;

interface ViewFacts {
  marks: Marks;
  /** EDS name -> clusters that take it, in CDS order. */
  clustersOfEds: ReadonlyMap<string, string | readonly string[]>;
  /**
   * For a view made from another by patchedView: that view, and the clusters whose entry changed
   * with their entries before (the two views share one cluster map, updated in place).
   */
  from?: { view: PublishedView; clusters: ReadonlyMap<string, { before: PublishedCluster; after: PublishedCluster }> };
}

const viewFacts = new WeakMap<PublishedView, ViewFacts>();

function markOf(states: TypeStates): Marks {
  const marks = new Map<XdsTypeUrl, number>();
  for (const [typeUrl, s] of states) marks.set(typeUrl, s.revision);
  return marks;
}

/**
 * The usual pushes, without a pass over every cluster: since `previous` was computed only EDS
 * changed, or clusters were replaced by ones that take the same assignment, so only those clusters
 * and the ones taking a changed assignment can get another entry, in the same place. Undefined
 * when that cannot be told (the caller computes the view in full).
 */
function patchedView(states: TypeStates, previous: PublishedView, marks: Marks): PublishedView | undefined {
  const facts = viewFacts.get(previous);
  if (!facts) return undefined;
  for (const [typeUrl, revision] of marks) {
    const was = facts.marks.get(typeUrl);
    if (was === undefined || (typeUrl !== TypeUrl.ClusterLoadAssignment && typeUrl !== TypeUrl.Cluster && was !== revision)) return undefined;
  }
  const eds = states.get(TypeUrl.ClusterLoadAssignment)!;
  const cds = states.get(TypeUrl.Cluster)!;
  const changedEds = eds.changedSince(facts.marks.get(TypeUrl.ClusterLoadAssignment)!);
  const changedCds = cds.changedSince(facts.marks.get(TypeUrl.Cluster)!);
  if (!changedEds || !changedCds) return undefined;
  const updates = new Map<string, PublishedCluster>();
  for (const name of new Set(changedCds)) {
    const cluster = cds.resources.get(name);
    const before = previous.clusters.get(name);
    // Added, removed or not published yet, or taking another assignment: the view's order or its
    // assignment index would change, so compute in full.
    const edsName = cluster && edsNameOf(cluster);
    if (!cluster || !before || edsName !== edsNameOf(before.cluster)) return undefined;
    const entry = clusterEntry(name, cluster, edsName, eds, previous);
    if (!entry) return undefined;
    if (entry !== before) updates.set(name, entry);
  }
  for (const edsName of new Set(changedEds)) {
    const users = facts.clustersOfEds.get(edsName) ?? [];
    for (const name of typeof users === 'string' ? [users] : users) {
      const before = previous.clusters.get(name);
      const entry = clusterEntry(name, cds.resources.get(name)!, edsName, eds, previous);
      if (entry === before) continue;
      // A cluster published for the first time would change the order of the view: compute in full.
      if (!entry || !before) return undefined;
      updates.set(name, entry);
    }
  }
  if (updates.size === 0) {
    viewFacts.set(previous, { ...facts, marks });
    return previous;
  }
  // In place, not a copy of the whole map per push: the previous view is replaced by this one.
  const changes = new Map<string, { before: PublishedCluster; after: PublishedCluster }>();
  for (const [name, after] of updates) {
    changes.set(name, { before: previous.clusters.get(name)!, after });
    previous.clusters.set(name, after);
  }
  const view: PublishedView = { clusters: previous.clusters, listeners: previous.listeners, secrets: previous.secrets };
  // One link back at most: a chain of views, each holding its snapshot, would grow with every push.
  if (facts.from) viewFacts.set(previous, { marks: facts.marks, clustersOfEds: facts.clustersOfEds });
  viewFacts.set(view, { marks, clustersOfEds: facts.clustersOfEds, from: { view: previous, clusters: changes } });
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
  if (a === b) return true;
  // Made from b by patchedView, which returns b itself when no entry changed.
  if (viewFacts.get(a)?.from?.view === b) return false;
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
  const versions: XdsSnapshot['versions'] = {};
  for (const [typeUrl, state] of states) if (state.version) versions[typeUrl] = state.version;
  const patched = patchedSnapshot(view, versions);
  if (patched) return patched;
  const claPlaces = new Map<string, number>();
  // Listeners, routes and secrets are handed over decoded; their held copies are kept for `received`.
  const others: HeldResource[] = [];
  const resources = {
    listeners: [] as Listener[],
    routeConfigurations: [] as RouteConfiguration[],
    clusters: [] as XdsRef<Cluster>[],
    clusterLoadAssignments: [] as XdsRef<ClusterLoadAssignment>[],
    secrets: [] as Secret[],
  };
  for (const { cluster, endpoints } of view.clusters.values()) {
    resources.clusters.push(refTo(cluster));
    if (endpoints && !claPlaces.has(endpoints.name)) {
      claPlaces.set(endpoints.name, resources.clusterLoadAssignments.length);
      resources.clusterLoadAssignments.push(refTo(endpoints));
    }
  }
  const routeSeen = new Set<string>();
  for (const { listener, routes } of view.listeners.values()) {
    resources.listeners.push(listener.message() as Listener);
    others.push(listener);
    for (const route of routes) {
      if (routeSeen.has(route.name)) continue;
      routeSeen.add(route.name);
      resources.routeConfigurations.push(route.message() as RouteConfiguration);
      others.push(route);
    }
  }
  for (const secret of view.secrets.values()) {
    resources.secrets.push(secret.message() as Secret);
    others.push(secret);
  }
  const snapshot = new LazyReceivedSnapshot(resources, versions, () => receivedOf(resources, others));
  snapshotFacts.set(view, { snapshot, claPlaces, others });
  return snapshot;
}

/** A held resource is its own "as received" entry (type, name, version); clusters and assignments are handed over held. */
function receivedOf(resources: XdsRefs, others: readonly HeldResource[]): ReceivedResource[] {
  const held = (refs: readonly XdsRef<unknown>[]) => refs as unknown as readonly HeldResource[];
  return [...held(resources.clusters), ...held(resources.clusterLoadAssignments), ...others];
}

/** A view's snapshot, where each assignment sits in its list, and the held listeners, routes and secrets (for patching the next one). */
const snapshotFacts = new WeakMap<PublishedView, { snapshot: XdsSnapshot; claPlaces: ReadonlyMap<string, number>; others: readonly HeldResource[] }>();

/**
 * The snapshot of a view made by patchedView: the previous view's snapshot with the new clusters
 * and assignments put in the places of the old ones. Undefined when it cannot be (an assignment
 * appeared or went, which moves the others).
 */
function patchedSnapshot(view: PublishedView, versions: XdsSnapshot['versions']): XdsSnapshot | undefined {
  const facts = viewFacts.get(view);
  const from = facts?.from;
  if (!facts || !from) return undefined;
  // The previous view is needed only to make this snapshot: let it (and its snapshot) go.
  viewFacts.set(view, { marks: facts.marks, clustersOfEds: facts.clustersOfEds });
  const base = snapshotFacts.get(from.view);
  if (!base) return undefined;
  const { clusters, clusterLoadAssignments } = base.snapshot.resources;
  // Copied when first written: a cluster change leaves the assignments' list as it was, and the other way round.
  let newClusters: XdsRef<Cluster>[] | undefined;
  let newClas: XdsRef<ClusterLoadAssignment>[] | undefined;
  for (const { before, after } of from.clusters.values()) {
    if (after.cluster !== before.cluster) {
      // One scan by identity (no index by name kept for 10,000 clusters): where the old copy sits.
      const at = clusters.indexOf(refTo(before.cluster));
      if (at < 0) return undefined;
      (newClusters ??= clusters.slice())[at] = refTo(after.cluster);
    }
    if (after.endpoints === before.endpoints) continue;
    if (!after.endpoints || !before.endpoints) return undefined;
    const place = base.claPlaces.get(after.endpoints.name);
    if (place === undefined || after.endpoints.name !== before.endpoints.name) return undefined;
    (newClas ??= clusterLoadAssignments.slice())[place] = refTo(after.endpoints);
  }
  const resources: XdsRefs = { ...base.snapshot.resources, clusters: newClusters ?? clusters, clusterLoadAssignments: newClas ?? clusterLoadAssignments };
  // From this snapshot's own lists (the closure must not capture `base`): no chain of snapshots is kept.
  const others = base.others;
  const snapshot = new LazyReceivedSnapshot(resources, versions, () => receivedOf(resources, others));
  snapshotFacts.set(view, { snapshot, claPlaces: base.claPlaces, others });
  return snapshot;
}
