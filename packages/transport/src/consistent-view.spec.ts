import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema, DurationSchema } from '@bufbuild/protobuf/wkt';
import { DeltaDiscoveryResponseSchema, TypeUrl, type Cluster, type XdsTypeUrl } from '@amesh/proto';
import { cla, edsCluster, rdsListener, routeConfig } from '../test/fixtures.js';
import { ClientTypeState } from './client-type-state.js';
import { computeView, emptyView, initialSyncComplete, sameView, snapshotOf } from './consistent-view.js';
import { RESOURCE_TYPES } from './resource-types.js';

function withTimeout(cluster: Cluster, seconds: number): Cluster {
  cluster.connectTimeout = create(DurationSchema, { seconds: BigInt(seconds) });
  return cluster;
}

function states(): Map<XdsTypeUrl, ClientTypeState> {
  return new Map(RESOURCE_TYPES.map((t) => [t.typeUrl, new ClientTypeState(t)]));
}

function give(s: Map<XdsTypeUrl, ClientTypeState>, typeUrl: XdsTypeUrl, messages: unknown[], removed: string[] = []): void {
  const type = RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl)!;
  const state = s.get(typeUrl)!;
  for (const m of messages) if (!type.wildcard) state.subscribed.add(type.nameOf(m as never));
  state.applyDelta(
    create(DeltaDiscoveryResponseSchema, {
      typeUrl,
      nonce: 'n',
      removedResources: removed,
      resources: messages.map((m) => ({ name: type.nameOf(m as never), version: 'v', resource: create(AnySchema, { typeUrl, value: toBinary(type.schema, m as never) }) })),
    }),
  );
}

/** Clusters a and b with their endpoints, and a listener routing to a. */
function twoServices(): Map<XdsTypeUrl, ClientTypeState> {
  const s = states();
  give(s, TypeUrl.Cluster, [edsCluster('a'), edsCluster('b')]);
  give(s, TypeUrl.ClusterLoadAssignment, [cla('a', ['10.0.0.1']), cla('b', ['10.0.0.2'])]);
  give(s, TypeUrl.Listener, [rdsListener('l', 80, 'r')]);
  give(s, TypeUrl.RouteConfiguration, [routeConfig('r', 'a')]);
  return s;
}

describe('consistent view', () => {
  it('waits for the initial sync: clusters need endpoints, listeners their routes', () => {
    const s = states();
    give(s, TypeUrl.Cluster, [edsCluster('a')]);
    give(s, TypeUrl.Listener, [rdsListener('l', 80, 'r')]);
    s.get(TypeUrl.ClusterLoadAssignment)!.subscribed.add('a');
    s.get(TypeUrl.RouteConfiguration)!.subscribed.add('r');
    expect(initialSyncComplete(s)).toBe(false);
    give(s, TypeUrl.ClusterLoadAssignment, [cla('a', ['10.0.0.1'])]);
    expect(initialSyncComplete(s)).toBe(false);
    give(s, TypeUrl.RouteConfiguration, [routeConfig('r', 'a')]);
    expect(initialSyncComplete(s)).toBe(true);
    const snap = snapshotOf(computeView(s, emptyView()), s);
    expect(snap.resources.clusters.map((c) => c.name)).toEqual(['a']);
    expect(snap.resources.routeConfigurations.map((r) => r.name)).toEqual(['r']);
    expect(snap.received).toHaveLength(4);
  });

  it('warms per resource: a new cluster waits for its endpoints, an updated listener keeps its old copy until its new routes arrive', () => {
    const s = states();
    give(s, TypeUrl.Cluster, [edsCluster('a')]);
    give(s, TypeUrl.ClusterLoadAssignment, [cla('a', ['10.0.0.1'])]);
    give(s, TypeUrl.Listener, [rdsListener('l', 80, 'r1')]);
    give(s, TypeUrl.RouteConfiguration, [routeConfig('r1', 'a')]);
    const v1 = computeView(s, emptyView());
    give(s, TypeUrl.Cluster, [edsCluster('b')]);
    give(s, TypeUrl.Listener, [rdsListener('l', 80, 'r2')]);
    const v2 = computeView(s, v1);
    expect([...v2.clusters.keys()]).toEqual(['a']);
    expect(v2.listeners.get('l')).toBe(v1.listeners.get('l'));
    expect(sameView(v1, v2)).toBe(true);
    give(s, TypeUrl.RouteConfiguration, [routeConfig('r2', 'a')]);
    s.get(TypeUrl.ClusterLoadAssignment)!.missing.add('b');
    const v3 = computeView(s, v2);
    expect([...v3.clusters.keys()].sort()).toEqual(['a', 'b']);
    expect(v3.clusters.get('b')!.endpoints).toBeUndefined();
    expect(v3.listeners.get('l')!.routes.map((r) => r.name)).toEqual(['r2']);
    expect(sameView(v2, v3)).toBe(false);
  });

  it('updates a view and its snapshot for endpoint changes without a full pass, as a full pass would', () => {
    const s = states();
    give(s, TypeUrl.Cluster, [edsCluster('a'), edsCluster('b'), edsCluster('c')]);
    give(s, TypeUrl.ClusterLoadAssignment, [cla('a', ['10.0.0.1']), cla('b', ['10.0.0.2']), cla('c', ['10.0.0.3'])]);
    give(s, TypeUrl.Listener, [rdsListener('l', 80, 'r')]);
    give(s, TypeUrl.RouteConfiguration, [routeConfig('r', 'a')]);
    let view = computeView(s, emptyView());
    let snap = snapshotOf(view, s);
    const full = () => snapshotOf(computeView(s, emptyView()), s);
    const steps: (() => void)[] = [
      () => give(s, TypeUrl.ClusterLoadAssignment, [cla('b', ['10.0.0.9'])]),
      () => give(s, TypeUrl.ClusterLoadAssignment, [cla('b', ['10.0.0.9'])]), // same bytes: no change
      () => give(s, TypeUrl.ClusterLoadAssignment, [cla('a', ['10.0.0.7']), cla('c', ['10.0.0.8'])]),
      () => give(s, TypeUrl.ClusterLoadAssignment, [], ['c']), // withdrawn: c keeps its published copy
      () => s.get(TypeUrl.ClusterLoadAssignment)!.missing.add('c'), // the timer's mark: c without endpoints
      () => give(s, TypeUrl.Cluster, [edsCluster('d')]),
      () => give(s, TypeUrl.ClusterLoadAssignment, [cla('d', ['10.0.0.4'])]),
      // Clusters replaced by ones taking the same assignment (patched), with and without endpoint changes.
      () => give(s, TypeUrl.Cluster, [withTimeout(edsCluster('a'), 5)]),
      () => {
        give(s, TypeUrl.Cluster, [withTimeout(edsCluster('b'), 6), withTimeout(edsCluster('d'), 7)]);
        give(s, TypeUrl.ClusterLoadAssignment, [cla('b', ['10.0.0.5'])]);
      },
      // One taking another assignment, and one withdrawn: both computed in full.
      () => give(s, TypeUrl.Cluster, [edsCluster('a', 'c')]),
      () => give(s, TypeUrl.Cluster, [], ['b']),
    ];
    for (const step of steps) {
      step();
      const next = computeView(s, view);
      const expected = full();
      const nextSnap = sameView(next, view) ? snap : snapshotOf(next, s);
      expect(nextSnap.resources).toEqual(expected.resources);
      expect(nextSnap.received).toEqual(expected.received);
      expect(nextSnap.versions).toEqual(expected.versions);
      view = next;
      snap = nextSnap;
    }
    expect(snap.resources.clusters.map((c) => c.name)).toEqual(['a', 'c', 'd']);
    expect(snap.resources.clusterLoadAssignments.map((c) => c.name)).toEqual(['d']);
  });

  it('patches the view and snapshot for a cluster that takes the same assignment, keeping the other lists', () => {
    const s = twoServices();
    const view = computeView(s, emptyView());
    const snap = snapshotOf(view, s);
    give(s, TypeUrl.Cluster, [withTimeout(edsCluster('b'), 9)]);
    const next = computeView(s, view);
    // The same cluster map, patched in place: no pass over every cluster.
    expect(next.clusters).toBe(view.clusters);
    const nextSnap = snapshotOf(next, s);
    expect(nextSnap.resources.clusters[0]).toBe(snap.resources.clusters[0]);
    expect(nextSnap.resources.clusters[1]!.message().connectTimeout?.seconds).toBe(9n);
    expect(nextSnap.resources.clusterLoadAssignments).toBe(snap.resources.clusterLoadAssignments);
    expect(nextSnap.resources.listeners).toBe(snap.resources.listeners);
  });

  it('lets go of earlier views and snapshots as endpoint updates follow each other', async () => {
    // A full GC on demand (what --expose-gc gives), to see what is still reachable.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const s = twoServices();
    let view = computeView(s, emptyView());
    const firstArrays = new WeakRef(snapshotOf(view, s).resources.clusterLoadAssignments);
    const patched: WeakRef<object>[] = [];
    for (let i = 0; i < 5; i++) {
      give(s, TypeUrl.ClusterLoadAssignment, [cla('b', [`10.0.1.${i}`])]);
      view = computeView(s, view);
      const snap = snapshotOf(view, s);
      expect(snap.resources.clusterLoadAssignments[1]!.message().endpoints[0]!.lbEndpoints).toHaveLength(1);
      patched.push(new WeakRef(snap.resources.clusterLoadAssignments));
    }
    // WeakRef targets stay alive until the end of the job that made them.
    await new Promise((resolve) => setImmediate(resolve));
    gc();
    // Only the latest view is held (by `view`); every earlier snapshot can go.
    expect(firstArrays.deref()).toBeUndefined();
    expect(patched.slice(0, -1).map((r) => r.deref())).toEqual([undefined, undefined, undefined, undefined]);
  });
});
