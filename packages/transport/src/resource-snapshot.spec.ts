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

  it('gives a patched type the version a full rebuild of the same content gets, and records what changed', () => {
    const mesh = smallMesh(5);
    const a = buildResourceSnapshot(mesh);
    const patched = withResources(a, TypeUrl.ClusterLoadAssignment, [cla('outbound|80||svc-1.default.svc.cluster.local', ['10.9.9.9'])], ['outbound|80||svc-4.default.svc.cluster.local']);
    mesh.clusterLoadAssignments[1] = cla('outbound|80||svc-1.default.svc.cluster.local', ['10.9.9.9']);
    mesh.clusterLoadAssignments.splice(4, 1);
    const rebuilt = buildResourceSnapshot(mesh, a);
    const full = buildResourceSnapshot({ ...mesh, clusterLoadAssignments: [...mesh.clusterLoadAssignments].reverse() });
    for (const s of [patched, rebuilt]) {
      expect(s.get(TypeUrl.ClusterLoadAssignment)!.version).toBe(full.get(TypeUrl.ClusterLoadAssignment)!.version);
      expect(s.get(TypeUrl.ClusterLoadAssignment)!.changes!.names).toEqual(new Set(['outbound|80||svc-1.default.svc.cluster.local', 'outbound|80||svc-4.default.svc.cluster.local']));
    }
    // Unchanged resources and types keep their objects.
    expect(rebuilt.get(TypeUrl.Cluster)).toBe(a.get(TypeUrl.Cluster));
    const svc0 = 'outbound|80||svc-0.default.svc.cluster.local';
    expect(rebuilt.get(TypeUrl.ClusterLoadAssignment)!.resources.get(svc0)).toBe(a.get(TypeUrl.ClusterLoadAssignment)!.resources.get(svc0));
  });

  it('refuses two resources of a type with one name', () => {
    const mesh = smallMesh(1);
    mesh.clusters.push(edsCluster(mesh.clusters[0]!.name));
    expect(() => buildResourceSnapshot(mesh)).toThrow(/CDS resource "outbound\|80\|\|svc-0.default.svc.cluster.local" appears twice/);
  });
});
