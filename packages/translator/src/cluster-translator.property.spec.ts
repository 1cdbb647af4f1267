import fc from 'fast-check';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ClusterLoadAssignmentSchema, ClusterSchema, SecretSchema, UpstreamTlsContextSchema, type Cluster } from '@amesh/proto';
import { MaglevSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/maglev/v3/maglev_pb';
import { RoundRobinSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb';
import { fakePem, schemaViolations } from '../test/cluster-test-support.js';
import { completeClusters, isComplete, translateClusters, type ClusterSide } from './cluster-translator.js';

const u32 = fc.oneof(fc.constantFrom(0, 1, 2, 3, 100, 4294967295), fc.integer({ min: 0, max: 4294967295 }));
const names = fc.oneof(fc.constantFrom('a', 'b', 'outbound|80||svc', 'PassthroughCluster', 'BlackHoleCluster', ''), fc.string({ maxLength: 300 }));
const hosts = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain(), fc.constantFrom('', 'bad host', 'fe80::1%eth0', '*', '[::1]'), fc.string({ maxLength: 20 }));
const duration = fc.record({ seconds: fc.bigInt({ min: -5n, max: 100000n }), nanos: fc.integer({ min: -999_999_999, max: 999_999_999 }) });

const address = fc.oneof(
  { weight: 6, arbitrary: fc.record({ h: hosts, p: fc.integer({ min: -1, max: 70000 }) }).map(({ h, p }) => ({ address: { case: 'socketAddress' as const, value: { address: h, portSpecifier: { case: 'portValue' as const, value: p } } } })) },
  { weight: 1, arbitrary: fc.string().map((path) => ({ address: { case: 'pipe' as const, value: { path } } })) },
  { weight: 1, arbitrary: fc.constant({}) },
);

const lbEndpoint = fc.record(
  {
    address,
    weight: u32,
    health: fc.integer({ min: 0, max: 7 }),
    tls: fc.boolean(),
  },
  { requiredKeys: ['address', 'health'] },
).map((e) => ({
  hostIdentifier: { case: 'endpoint' as const, value: { address: e.address } },
  ...(e.weight !== undefined ? { loadBalancingWeight: e.weight } : {}),
  healthStatus: e.health,
  ...(e.tls ? { metadata: { filterMetadata: { 'envoy.transport_socket_match': { tlsMode: 'istio' } } } } : {}),
}));

const localities = fc.array(
  fc.record({ lbEndpoints: fc.array(lbEndpoint, { maxLength: 6 }), loadBalancingWeight: fc.option(u32, { nil: undefined }), priority: fc.integer({ min: 0, max: 4 }) }),
  { maxLength: 4 },
);

const tlsContext = fc.record({ sds: fc.option(fc.constantFrom('default', 'missing', 'ca'), { nil: undefined }), sni: fc.string({ maxLength: 10 }) }).map(({ sds, sni }) =>
  anyPack(UpstreamTlsContextSchema, create(UpstreamTlsContextSchema, { sni, commonTlsContext: { tlsCertificateSdsSecretConfigs: sds ? [{ name: sds }] : [] } })),
);
const garbageAny = fc.uint8Array({ maxLength: 12 }).map((value) => ({ typeUrl: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', value }));

const cluster = fc
  .record({
    name: names,
    type: fc.integer({ min: 0, max: 6 }),
    lbPolicy: fc.integer({ min: 0, max: 8 }),
    connectTimeout: fc.option(duration, { nil: undefined }),
    inline: fc.option(localities, { nil: undefined }),
    serviceName: fc.option(names, { nil: undefined }),
    tls: fc.option(fc.oneof(tlsContext, garbageAny), { nil: undefined }),
    matches: fc.boolean(),
    typedLb: fc.option(fc.constantFrom('rr', 'maglev', 'junk'), { nil: undefined }),
    hc: fc.option(fc.record({ interval: duration, healthy: u32, unhealthy: u32, http: fc.boolean(), start: fc.bigInt({ min: -10n, max: 700n }), end: fc.bigInt({ min: -10n, max: 700n }) }), { nil: undefined }),
    od: fc.option(fc.record({ c5: u32, e5: fc.integer({ min: 0, max: 100 }), eg: fc.integer({ min: 0, max: 100 }), base: duration }), { nil: undefined }),
    h2: fc.boolean(),
  })
  .map((r) => {
    const init: Exclude<MessageInitShape<typeof ClusterSchema>, Cluster> = {
      name: r.name,
      clusterDiscoveryType: { case: 'type', value: r.type },
      lbPolicy: r.lbPolicy,
      ...(r.connectTimeout ? { connectTimeout: r.connectTimeout } : {}),
      ...(r.inline ? { loadAssignment: { clusterName: r.name, endpoints: r.inline } } : {}),
      ...(r.serviceName !== undefined ? { edsClusterConfig: { serviceName: r.serviceName } } : {}),
      ...(r.h2 ? { http2ProtocolOptions: {} } : {}),
    };
    if (r.tls) {
      const ts = { name: 'tls', configType: { case: 'typedConfig' as const, value: r.tls } };
      if (r.matches) init.transportSocketMatches = [{ name: 'm', match: { tlsMode: 'istio' }, transportSocket: ts }, { name: 'p', match: {} }];
      else init.transportSocket = ts;
    }
    if (r.typedLb) {
      const any =
        r.typedLb === 'rr'
          ? anyPack(RoundRobinSchema, create(RoundRobinSchema, {}))
          : r.typedLb === 'maglev'
            ? anyPack(MaglevSchema, create(MaglevSchema, {}))
            : { typeUrl: 'type.googleapis.com/x.Y', value: new Uint8Array([1, 2, 3]) };
      init.loadBalancingPolicy = { policies: [{ typedExtensionConfig: { name: 'p', typedConfig: any } }] };
    }
    if (r.hc) {
      init.healthChecks = [
        {
          interval: r.hc.interval,
          healthyThreshold: r.hc.healthy,
          unhealthyThreshold: r.hc.unhealthy,
          healthChecker: r.hc.http
            ? { case: 'httpHealthCheck', value: { path: '/h', expectedStatuses: [{ start: r.hc.start, end: r.hc.end }] } }
            : { case: 'tcpHealthCheck', value: {} },
        },
      ];
    }
    if (r.od) init.outlierDetection = { consecutive5xx: r.od.c5, enforcingConsecutive5xx: r.od.e5, enforcingConsecutiveGatewayFailure: r.od.eg, baseEjectionTime: r.od.base };
    return create(ClusterSchema, init);
  });

const aggregate = fc
  .record({ name: names, children: fc.array(names, { maxLength: 4 }), garbage: fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }) })
  .map(({ name, children, garbage }) => {
    const w = new BinaryWriter();
    for (const c of children) w.tag(1, WireType.LengthDelimited).string(c);
    const value = garbage ?? w.finish();
    return create(ClusterSchema, { name, clusterDiscoveryType: { case: 'clusterType', value: { name: 'envoy.clusters.aggregate', typedConfig: { typeUrl: 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig', value } } } });
  });

const assignment = fc.record({ clusterName: names, endpoints: localities }).map((r) => create(ClusterLoadAssignmentSchema, r));
const secret = fc.constantFrom('default', 'ca', 'other').map((name) =>
  name === 'ca'
    ? create(SecretSchema, { name, type: { case: 'validationContext', value: { trustedCa: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', 'ca') } } } } })
    : create(SecretSchema, {
        name,
        type: {
          case: 'tlsCertificate',
          value: { certificateChain: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', name) } }, privateKey: { specifier: { case: 'inlineString', value: fakePem('PRIVATE KEY', name) } } },
        },
      }),
);

function bytes(side: ClusterSide): string {
  return JSON.stringify({ u: [...side.upstreams], c: completeClusters(side), p: [...side.passthrough], s: side.ssls, r: side.report, i: [...side.info] });
}

describe('translateClusters properties', () => {
  it('never throws, emits schema-valid upstreams and ssls, and is deterministic', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 5, arbitrary: cluster }, { weight: 1, arbitrary: aggregate }), { maxLength: 6 }), fc.array(assignment, { maxLength: 6 }), fc.array(secret, { maxLength: 3 }), (clusters, clas, secrets) => {
        const side = translateClusters(clusters, clas, secrets);
        expect(schemaViolations(side)).toEqual([]);
        expect(bytes(translateClusters(clusters, clas, secrets))).toBe(bytes(side));
        // Every upstream belongs to a cluster that was given, and ids are unique.
        const ids = [...side.upstreams.values()].map((u) => u.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const name of completeClusters(side)) expect(side.upstreams.has(name) || side.passthrough.has(name)).toBe(true);
        for (const name of side.incomplete) expect(side.upstreams.has(name)).toBe(true);
        for (const u of side.upstreams.values()) {
          expect(u.name!.length).toBeLessThanOrEqual(100);
          if (u.tls?.client_cert_id) expect(typeof u.tls.client_cert_id).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
  });
});
