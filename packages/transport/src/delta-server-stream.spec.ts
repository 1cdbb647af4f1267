import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { DeltaDiscoveryRequestSchema, TypeUrl, type DeltaDiscoveryResponseSchema } from '@amesh/proto';
import { cla, smallMesh } from '../test/fixtures.js';
import { DeltaServerStream } from './delta-server-stream.js';
import { buildResourceSnapshot, withResources } from './resource-snapshot.js';
import { SnapshotCache } from './snapshot-cache.js';

type Sent = MessageInitShape<typeof DeltaDiscoveryResponseSchema>;
const EDS = TypeUrl.ClusterLoadAssignment;
const svc = (i: number): string => `outbound|80||svc-${i}.default.svc.cluster.local`;

/** A Delta stream subscribed to every assignment of smallMesh(n), with what it sent. */
function subscribed(cache: SnapshotCache, n: number): { stream: DeltaServerStream; sent: Sent[] } {
  const sent: Sent[] = [];
  const stream = new DeltaServerStream(cache, (res) => sent.push(res));
  cache.onChange((node) => stream.onCacheChange(node));
  const names = Array.from({ length: n }, (_, i) => svc(i));
  stream.onRequest(create(DeltaDiscoveryRequestSchema, { typeUrl: EDS, resourceNamesSubscribe: names, node: { id: 'n' } }));
  return { stream, sent };
}

const namesOf = (res: Sent): string[] => (res.resources ?? []).map((r) => r.name!).sort();

describe('Delta server stream', () => {
  it('sends only what changed, whether the snapshot was rebuilt, patched, or is several steps ahead', () => {
    const cache = new SnapshotCache();
    const mesh = smallMesh(4);
    cache.setDefaultSnapshot(mesh);
    const { sent } = subscribed(cache, 4);
    expect(namesOf(sent[0]!)).toEqual([0, 1, 2, 3].map(svc).sort());

    // Rebuilt from XdsResources: the cache diffs against what it served.
    mesh.clusterLoadAssignments[1] = cla(svc(1), ['10.9.9.1']);
    cache.setDefaultSnapshot(mesh);
    expect(sent.map(namesOf).slice(1)).toEqual([[svc(1)]]);
    expect(cache.defaultSnapshot()!.get(EDS)!.changes!.names).toEqual(new Set([svc(1)]));

    // Patched: an upsert and a removal.
    cache.setDefaultSnapshot(withResources(cache.defaultSnapshot()!, EDS, [cla(svc(2), ['10.9.9.2'])], [svc(3)]));
    expect(namesOf(sent[2]!)).toEqual([svc(2)]);
    expect(sent[2]!.removedResources).toEqual([svc(3)]);

    // A stream that missed two steps (its base link is cut) still gets the full difference.
    const late = new SnapshotCache();
    late.setDefaultSnapshot(smallMesh(4));
    const behind = subscribed(late, 4);
    const first = late.defaultSnapshot()!;
    const step1 = withResources(first, EDS, [cla(svc(0), ['10.8.8.8'])]);
    const step2 = withResources(step1, EDS, [cla(svc(3), ['10.8.8.9'])]);
    expect(step1.get(EDS)!.changes).toBeUndefined();
    late.setDefaultSnapshot(step2);
    expect(namesOf(behind.sent[1]!)).toEqual([svc(0), svc(3)].sort());
  });

  it('stays silent when a rebuild changes nothing, and the type keeps its snapshot object', () => {
    const cache = new SnapshotCache();
    cache.setDefaultSnapshot(smallMesh(3));
    const before = cache.defaultSnapshot()!;
    const { sent } = subscribed(cache, 3);
    cache.setDefaultSnapshot(buildResourceSnapshot(smallMesh(3), before));
    expect(sent).toHaveLength(1);
    expect(cache.defaultSnapshot()!.get(EDS)).toBe(before.get(EDS));
  });
});
