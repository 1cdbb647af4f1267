import { TypeUrl } from '@amesh/proto';
import { cla, edsCluster, smallMesh } from '../test/fixtures.js';
import { buildResourceSnapshot, withResources } from './resource-snapshot.js';

describe('resource snapshots', () => {
  it('versions types by content: equal content, equal versions; one change, one type version moves', () => {
    const a = buildResourceSnapshot(smallMesh(5));
    const b = buildResourceSnapshot(smallMesh(5));
    expect(a.get(TypeUrl.Cluster)!.version).toBe(b.get(TypeUrl.Cluster)!.version);
    const c = withResources(a, TypeUrl.ClusterLoadAssignment, [cla('outbound|80||svc-1.default.svc.cluster.local', ['10.9.9.9'])]);
    expect(c.get(TypeUrl.Cluster)).toBe(a.get(TypeUrl.Cluster));
    expect(c.get(TypeUrl.ClusterLoadAssignment)!.version).not.toBe(a.get(TypeUrl.ClusterLoadAssignment)!.version);
    const changed = [...c.get(TypeUrl.ClusterLoadAssignment)!.resources.values()].filter((r) => a.get(TypeUrl.ClusterLoadAssignment)!.resources.get(r.name)!.version !== r.version);
    expect(changed.map((r) => r.name)).toEqual(['outbound|80||svc-1.default.svc.cluster.local']);
    const d = withResources(c, TypeUrl.Cluster, [], ['outbound|80||svc-0.default.svc.cluster.local']);
    expect(d.get(TypeUrl.Cluster)!.resources.size).toBe(4);
  });

  it('refuses two resources of a type with one name', () => {
    const mesh = smallMesh(1);
    mesh.clusters.push(edsCluster(mesh.clusters[0]!.name));
    expect(() => buildResourceSnapshot(mesh)).toThrow(/CDS resource "outbound\|80\|\|svc-0.default.svc.cluster.local" appears twice/);
  });
});
