import { equals, fromBinary, fromJson, isFieldSet, isMessage, toBinary, toJson } from '@bufbuild/protobuf';
import { ClusterSchema, ListenerSchema } from '@amesh/proto';
import { MetadataSchema } from '@amesh/proto/gen/envoy/config/core/v3/base_pb';
import { edsCluster, rdsListener } from '../test/fixtures.js';
import { compactDecoded } from './compact-decoded.js';

describe('compactDecoded', () => {
  it('keeps content and encoding, and shares the empty lists, maps and oneofs of every decoded message', () => {
    const cluster = edsCluster('outbound|80||a.default.svc.cluster.local');
    cluster.metadata = fromJson(MetadataSchema, { filterMetadata: { istio: { services: 'x' } } });
    const bytes = toBinary(ClusterSchema, cluster);
    const a = compactDecoded(ClusterSchema, fromBinary(ClusterSchema, bytes));
    const b = compactDecoded(ClusterSchema, fromBinary(ClusterSchema, bytes));
    expect(equals(ClusterSchema, fromBinary(ClusterSchema, bytes), cluster)).toBe(true);
    expect(equals(ClusterSchema, a, cluster)).toBe(true);
    expect(toBinary(ClusterSchema, a)).toEqual(bytes);
    expect(a.healthChecks).toBe(b.healthChecks);
    expect(a.lbConfig).toBe(b.lbConfig);
    expect(a.lbConfig.case).toBeUndefined();
    expect(a.edsClusterConfig!.edsConfig!.configSourceSpecifier.case).toBe('ads');
    // Nested maps with content stay; an attempt to mutate a shared empty list throws.
    expect(Object.keys(a.metadata!.filterMetadata)).toEqual(['istio']);
    expect(() => (a.healthChecks as unknown[]).push(1)).toThrow(TypeError);
  });

  it('walks lists of messages and copies bytes out of the response buffer (listener filter chains)', () => {
    const listener = rdsListener('0.0.0.0_80', 80, '80');
    const bytes = toBinary(ListenerSchema, listener);
    const l1 = compactDecoded(ListenerSchema, fromBinary(ListenerSchema, bytes));
    const l2 = compactDecoded(ListenerSchema, fromBinary(ListenerSchema, bytes));
    expect(equals(ListenerSchema, l1, listener)).toBe(true);
    expect(toBinary(ListenerSchema, l1)).toEqual(bytes);
    // Lists with content stay each message's own.
    expect(l1.filterChains[0]!.filters).not.toBe(l2.filterChains[0]!.filters);
    expect(l1.listenerFilters).toBe(l2.listenerFilters);
    // The HCM Any owns its bytes: the listener does not pin the buffer it was decoded from.
    const config = l1.filterChains[0]!.filters[0]!.configType;
    if (config.case !== 'typedConfig') throw new Error('typed_config expected');
    expect(config.value.value.byteLength).toBeGreaterThan(0);
    expect(config.value.value.buffer.byteLength).toBe(config.value.value.byteLength);
    expect(fromBinary(ListenerSchema, bytes).filterChains[0]!.filters[0]!.configType.value).not.toBeUndefined();
  });

  it('keeps only the set fields as own properties; unset ones read as their defaults through reflection too', () => {
    const cluster = edsCluster('outbound|80||a.default.svc.cluster.local');
    cluster.perConnectionBufferLimitBytes = 0;
    const bytes = toBinary(ClusterSchema, cluster);
    const decoded = fromBinary(ClusterSchema, bytes);
    const a = compactDecoded(ClusterSchema, fromBinary(ClusterSchema, bytes));
    // A decoded Cluster holds every field (oneofs as one); this one sets only its name, discovery type, EDS config, timeout and buffer limit.
    expect(Object.keys(decoded).length).toBeGreaterThan(20);
    expect(Object.keys(a).sort()).toEqual(['clusterDiscoveryType', 'connectTimeout', 'edsClusterConfig', 'name', 'perConnectionBufferLimitBytes']);
    for (const field of ClusterSchema.fields) expect(isFieldSet(a, field)).toBe(isFieldSet(decoded, field));
    // Defaults read as protobuf-es gives them: zero scalars, the first enum value, empty lists, no case.
    expect(a.$typeName).toBe('envoy.config.cluster.v3.Cluster');
    expect(a.altStatName).toBe('');
    expect(a.lbPolicy).toBe(decoded.lbPolicy);
    expect(a.respectDnsTtl).toBe(false);
    expect(a.healthChecks).toEqual([]);
    expect(a.outlierDetection).toBeUndefined();
    expect(a.lbConfig.case).toBeUndefined();
    // A wrapper with explicit presence stays set even at its zero value.
    expect(a.perConnectionBufferLimitBytes).toBe(0);
    expect(isMessage(a, ClusterSchema)).toBe(true);
    expect(equals(ClusterSchema, a, decoded)).toBe(true);
    expect(toBinary(ClusterSchema, a)).toEqual(bytes);
    expect(toJson(ClusterSchema, a)).toEqual(toJson(ClusterSchema, decoded));
    // Assigning an unset field makes it the copy's own; other copies keep the default.
    const b = compactDecoded(ClusterSchema, fromBinary(ClusterSchema, bytes));
    a.altStatName = 'x';
    expect(a.altStatName).toBe('x');
    expect(b.altStatName).toBe('');
  });
});
