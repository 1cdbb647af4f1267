import { create, fromJson, toBinary, fromBinary } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, HttpConnectionManagerSchema, PUSH_ORDER, TypeUrl, envoyRegistry, typeNameOf, typeRegistry } from './index';

describe('registries', () => {
  it('decodes an Any of a generated type through typeRegistry()', () => {
    const hcm = create(HttpConnectionManagerSchema, { statPrefix: 'outbound_0.0.0.0_80' });
    const any = anyPack(HttpConnectionManagerSchema, hcm);
    const back = anyUnpack(any, typeRegistry());
    expect(back?.$typeName).toBe('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  });

  it('decodes a typed config we generate no code for through envoyRegistry() only', () => {
    const json = {
      name: 'c',
      type: 'STATIC',
      typed_extension_protocol_options: {
        'envoy.filters.network.wasm': { '@type': 'type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm', config: { name: 'stats' } },
      },
    };
    expect(() => fromJson(ClusterSchema, json, { registry: typeRegistry() })).toThrow(/envoy.extensions.filters.network.wasm.v3.Wasm/);
    const cluster = fromJson(ClusterSchema, json, { registry: envoyRegistry() });
    const any = cluster.typedExtensionProtocolOptions['envoy.filters.network.wasm'];
    expect(any?.typeUrl).toBe('type.googleapis.com/envoy.extensions.filters.network.wasm.v3.Wasm');
    const wasm = anyUnpack(any!, envoyRegistry());
    expect(wasm?.$typeName).toBe('envoy.extensions.filters.network.wasm.v3.Wasm');
  });

  it('round-trips a cluster through the binary wire format', () => {
    const cluster = create(ClusterSchema, { name: 'outbound|9080||reviews.default.svc.cluster.local' });
    expect(fromBinary(ClusterSchema, toBinary(ClusterSchema, cluster)).name).toBe(cluster.name);
  });
});

describe('type URLs', () => {
  it('lists istiod push order CDS, EDS, LDS, RDS, SDS', () => {
    expect(PUSH_ORDER.map(typeNameOf)).toEqual([
      'envoy.config.cluster.v3.Cluster',
      'envoy.config.endpoint.v3.ClusterLoadAssignment',
      'envoy.config.listener.v3.Listener',
      'envoy.config.route.v3.RouteConfiguration',
      'envoy.extensions.transport_sockets.tls.v3.Secret',
    ]);
  });

  it('names only types the generated registry knows', () => {
    for (const url of Object.values(TypeUrl)) expect(typeRegistry().getMessage(typeNameOf(url))).toBeDefined();
  });

  it('leaves a bare name alone', () => {
    expect(typeNameOf('a.b.C')).toBe('a.b.C');
  });
});
