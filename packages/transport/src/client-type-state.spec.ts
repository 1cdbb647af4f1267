import { create, equals, toBinary } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, DeltaDiscoveryResponseSchema, DiscoveryResponseSchema, ListenerSchema, TypeUrl, UpstreamTlsContextSchema } from '@amesh/proto';
import { cla, edsCluster } from '../test/fixtures.js';
import { ClientTypeState } from './client-type-state.js';
import { ClusterType, EndpointType, ListenerType } from './resource-types.js';

const packC = (name: string): Any => create(AnySchema, { typeUrl: TypeUrl.Cluster, value: toBinary(ClusterType.schema, edsCluster(name)) });
const packE = (name: string, ip: string, port = 80): Any =>
  create(AnySchema, { typeUrl: TypeUrl.ClusterLoadAssignment, value: toBinary(EndpointType.schema, cla(name, [ip], port)) });
const sotw = (typeUrl: string, version: string, resources: Any[]) => create(DiscoveryResponseSchema, { typeUrl, versionInfo: version, nonce: `n${version}`, resources });

describe('ClientTypeState', () => {
  it('holds clusters and assignments as their bytes: each read decodes them anew, what a cluster references is noted once', () => {
    const s = new ClientTypeState(ClusterType);
    const mtls = edsCluster('m', 'm-endpoints');
    const tls = create(UpstreamTlsContextSchema, { commonTlsContext: { tlsCertificateSdsSecretConfigs: [{ name: 'default' }] } });
    mtls.transportSocket = {
      $typeName: 'envoy.config.core.v3.TransportSocket',
      name: 'tls',
      configType: { case: 'typedConfig', value: create(AnySchema, { typeUrl: `type.googleapis.com/${UpstreamTlsContextSchema.typeName}`, value: toBinary(UpstreamTlsContextSchema, tls) }) },
    };
    s.applySotw(sotw(TypeUrl.Cluster, '1', [packC('a'), create(AnySchema, { typeUrl: TypeUrl.Cluster, value: toBinary(ClusterSchema, mtls) })]));
    const a = s.resources.get('a')!;
    const first = a.message();
    expect(equals(ClusterSchema, first as never, edsCluster('a'))).toBe(true);
    expect(a.message()).not.toBe(first); // not kept decoded
    expect(a.clusterRefs).toEqual({ eds: 'a', secrets: [] });
    expect(s.resources.get('m')!.clusterRefs).toEqual({ eds: 'm-endpoints', secrets: ['default'] });
    // Listeners stay decoded: the same message on every read.
    const l = new ClientTypeState(ListenerType);
    l.applySotw(sotw(TypeUrl.Listener, '1', [create(AnySchema, { typeUrl: TypeUrl.Listener, value: toBinary(ListenerSchema, create(ListenerSchema, { name: 'l' })) })]));
    expect(l.resources.get('l')!.message()).toBe(l.resources.get('l')!.message());
  });

  it('moves refsRevision only when what clusters reference may have changed, not for a cluster naming the same resources', () => {
    const s = new ClientTypeState(ClusterType);
    const pack = (c: ReturnType<typeof edsCluster>) => create(AnySchema, { typeUrl: TypeUrl.Cluster, value: toBinary(ClusterSchema, c) });
    const timed = (seconds: bigint) => Object.assign(edsCluster('a'), { connectTimeout: { $typeName: 'google.protobuf.Duration' as const, seconds, nanos: 0 } });
    s.applySotw(sotw(TypeUrl.Cluster, '1', [pack(edsCluster('a')), packC('b')]));
    const added = s.refsRevision;
    expect(added).toBe(s.revision);
    s.applySotw(sotw(TypeUrl.Cluster, '2', [pack(timed(7n)), packC('b')]));
    expect(s.revision).toBeGreaterThan(added);
    expect(s.refsRevision).toBe(added); // same EDS name, no secrets: no subscription can change
    s.applySotw(sotw(TypeUrl.Cluster, '3', [pack(edsCluster('a', 'a-v2')), packC('b')]));
    expect(s.refsRevision).toBe(s.revision); // another EDS name
    const renamed = s.refsRevision;
    s.applySotw(sotw(TypeUrl.Cluster, '4', [pack(edsCluster('a', 'a-v2'))]));
    expect(s.refsRevision).toBeGreaterThan(renamed); // b went
  });

  it('SotW CDS: absence deletes, a rejected update keeps the old copy, and the version stays the last good one', () => {
    const s = new ClientTypeState(ClusterType);
    expect(s.applySotw(sotw(TypeUrl.Cluster, '1', [packC('a'), packC('b')]))).toEqual({ changed: true, errors: [], rejected: [] });
    const a1 = s.resources.get('a');
    expect(s.applySotw(sotw(TypeUrl.Cluster, '2', [packC('a')])).changed).toBe(true);
    expect([...s.resources.keys()]).toEqual(['a']);
    expect(s.resources.get('a')).toBe(a1); // identical bytes: same object, nothing to republish
    const bad = create(AnySchema, { typeUrl: TypeUrl.Cluster, value: new Uint8Array([0xff, 0xff]) });
    const r = s.applySotw(sotw(TypeUrl.Cluster, '3', [packC('a'), bad, packC('c'), packC('c')]));
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/CDS resource #1: cannot decode/);
    expect(r.errors[1]).toMatch(/CDS c: duplicate name/);
    expect(r.rejected).toEqual(['c']);
    expect(s.version).toBe('2');
    expect(s.nonce).toBe('n3');
  });

  it('SotW EDS: only subscribed names are taken and absence deletes nothing', () => {
    const s = new ClientTypeState(EndpointType);
    s.resubscribe(new Set(['x', 'y']));
    s.applySotw(sotw(TypeUrl.ClusterLoadAssignment, '1', [packE('x', '10.0.0.1'), packE('y', '10.0.0.2'), packE('z', '10.0.0.3')]));
    expect([...s.resources.keys()].sort()).toEqual(['x', 'y']);
    s.applySotw(sotw(TypeUrl.ClusterLoadAssignment, '2', [packE('y', '10.0.0.9')]));
    expect([...s.resources.keys()].sort()).toEqual(['x', 'y']);
    expect(s.resources.get('y')!.version).toBe('2');
  });

  it('partial accept: the good resources of a response are used, the bad ones reported', () => {
    const s = new ClientTypeState(EndpointType);
    s.resubscribe(new Set(['x', 'y']));
    s.applySotw(sotw(TypeUrl.ClusterLoadAssignment, '1', [packE('x', '10.0.0.1'), packE('y', '10.0.0.2')]));
    const r = s.applySotw(sotw(TypeUrl.ClusterLoadAssignment, '2', [packE('x', '10.0.0.5', 99999), packE('y', '10.0.0.6')]));
    expect(r.rejected).toEqual(['x']);
    expect(r.errors[0]).toMatch(/EDS x: .*port 99999 is outside 0-65535/);
    expect(s.resources.get('x')!.version).toBe('1');
    expect(s.resources.get('y')!.version).toBe('2');
    expect(s.version).toBe('1');
  });

  it('Delta: upserts with per-resource versions, removals mark subscribed names missing, unsubscribe forgets', () => {
    const s = new ClientTypeState(EndpointType);
    s.resubscribe(new Set(['x', 'y']));
    expect(s.pending().sort()).toEqual(['x', 'y']);
    s.applyDelta(create(DeltaDiscoveryResponseSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, nonce: '1', systemVersionInfo: 'v1', resources: [{ name: 'x', version: 'h1', resource: packE('x', '10.0.0.1') }] }));
    expect(s.heldVersions()).toEqual({ x: 'h1' });
    s.applyDelta(create(DeltaDiscoveryResponseSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, nonce: '2', removedResources: ['y'] }));
    expect(s.missing.has('y')).toBe(true);
    expect(s.pending()).toEqual([]);
    const wrongName = s.applyDelta(create(DeltaDiscoveryResponseSchema, { typeUrl: TypeUrl.ClusterLoadAssignment, nonce: '3', resources: [{ name: 'x', version: 'h2', resource: packE('other', '10.0.0.1') }] }));
    expect(wrongName.errors[0]).toMatch(/resource named x holds EDS resource other/);
    expect(s.resubscribe(new Set(['y']))).toEqual({ added: [], removed: ['x'] });
    expect(s.resources.size).toBe(0);
  });
});
