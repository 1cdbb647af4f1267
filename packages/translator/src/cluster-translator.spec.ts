import { create } from '@bufbuild/protobuf';
import { anyPack, type Any } from '@bufbuild/protobuf/wkt';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ClusterSchema, Cluster_LbPolicy, HealthStatus, SecretSchema, UpstreamTlsContextSchema } from '@amesh/proto';
import { HttpProtocolOptionsSchema } from '@amesh/proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb';
import { LeastRequestSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/least_request/v3/least_request_pb';
import { MaglevSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/maglev/v3/maglev_pb';
import { RoundRobinSchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/round_robin/v3/round_robin_pb';
import { WrrLocalitySchema } from '@amesh/proto/gen/envoy/extensions/load_balancing_policies/wrr_locality/v3/wrr_locality_pb';
import { cla, edsCluster, fakePem, istioTlsMatches, schemaViolations, staticCluster, tlsSecret } from '../test/cluster-test-support.js';
import { completeClusters, isComplete, translateClusters, type ClusterSide } from './cluster-translator.js';
import { upstreamIdFor } from './ids.js';
import { sslIdFor } from './secret-translator.js';

const STATIC = 0;
const STRICT_DNS = 1;
const LOGICAL_DNS = 2;
const ORIGINAL_DST = 4;

function expectValid(side: ClusterSide): void {
  expect(schemaViolations(side)).toEqual([]);
}

function reasons(side: ClusterSide, name: string): string[] {
  return side.report.filter((i) => i.name === name).map((i) => `${i.severity} ${i.path}: ${i.reason}`);
}

describe('translateClusters: discovery types and completeness', () => {
  it('EDS: nodes from the assignment named by eds_cluster_config.service_name, complete once it arrived', () => {
    const c = edsCluster('outbound|9080||reviews', { edsClusterConfig: { serviceName: 'reviews-svc' } });
    const without = translateClusters([c], [], []);
    expect(isComplete(without, 'outbound|9080||reviews')).toBe(false);
    expect(without.upstreams.get('outbound|9080||reviews')!.nodes).toEqual([]);

    const side = translateClusters([c], [cla('reviews-svc', [{ eps: [{ host: '10.0.0.1', port: 9080 }] }])], []);
    expect(isComplete(side, 'outbound|9080||reviews')).toBe(true);
    const u = side.upstreams.get('outbound|9080||reviews')!;
    expect(u.id).toBe(upstreamIdFor('outbound|9080||reviews'));
    expect(u.nodes).toEqual([{ host: '10.0.0.1', port: 9080, weight: 1, priority: 0 }]);
    expect(u).toMatchObject({ type: 'roundrobin', scheme: 'http', timeout: { connect: 10, send: 60, read: 60 } });
    expectValid(side);
  });

  it('EDS falls back to the cluster name and an empty assignment still completes it', () => {
    const side = translateClusters([edsCluster('a')], [cla('a', [])], []);
    expect(isComplete(side, 'a')).toBe(true);
    expect(side.upstreams.get('a')!.nodes).toEqual([]);
    expectValid(side);
  });

  it('STATIC / STRICT_DNS / LOGICAL_DNS take inline endpoints; hostnames stay node hosts', () => {
    const side = translateClusters(
      [
        staticCluster('s', [{ host: '127.0.0.1', port: 15020 }], STATIC),
        staticCluster('d', [{ host: 'my-nginx.mesh-external.svc.cluster.local', port: 443 }, { host: 'b.example.com', port: 443 }], STRICT_DNS),
        staticCluster('l', [{ host: 'a.example.com', port: 80 }, { host: 'b.example.com', port: 80 }], LOGICAL_DNS),
      ],
      [],
      [],
    );
    expect(completeClusters(side).sort()).toEqual(['d', 'l', 's']);
    expect(side.upstreams.get('s')!.nodes).toEqual([{ host: '127.0.0.1', port: 15020, weight: 1, priority: 0 }]);
    expect(side.upstreams.get('d')!.nodes.map((n) => n.host)).toEqual(['my-nginx.mesh-external.svc.cluster.local', 'b.example.com']);
    expect(side.upstreams.get('l')!.nodes.map((n) => n.host)).toEqual(['a.example.com']);
    expect(reasons(side, 'd').join('\n')).toMatch(/own resolver/);
    expect(side.info.get('d')!.discovery).toBe('STRICT_DNS');
    expectValid(side);
  });

  it('ORIGINAL_DST and Istio passthrough clusters are pass-through, complete, without upstream', () => {
    const side = translateClusters(
      [
        create(ClusterSchema, { name: 'PassthroughCluster', clusterDiscoveryType: { case: 'type', value: ORIGINAL_DST }, lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED }),
        create(ClusterSchema, { name: 'InboundPassthroughClusterIpv4', clusterDiscoveryType: { case: 'type', value: ORIGINAL_DST } }),
        create(ClusterSchema, { name: '443', clusterDiscoveryType: { case: 'type', value: ORIGINAL_DST } }),
      ],
      [],
      [],
    );
    expect([...side.passthrough].sort()).toEqual(['443', 'InboundPassthroughClusterIpv4', 'PassthroughCluster']);
    expect(completeClusters(side).sort()).toEqual(['443', 'InboundPassthroughClusterIpv4', 'PassthroughCluster']);
    expect(side.upstreams.size).toBe(0);
  });

  it('Istio inbound ORIGINAL_DST clusters go to the local application on loopback (reported)', () => {
    const side = translateClusters(
      [create(ClusterSchema, { name: 'inbound|9080||', clusterDiscoveryType: { case: 'type', value: ORIGINAL_DST }, upstreamBindConfig: { sourceAddress: { address: '127.0.0.6' } } })],
      [],
      [],
    );
    expect(side.passthrough.size).toBe(0);
    expect(isComplete(side, 'inbound|9080||')).toBe(true);
    expect(side.upstreams.get('inbound|9080||')!.nodes).toEqual([{ host: '127.0.0.1', port: 9080, weight: 1, priority: 0 }]);
    expect(reasons(side, 'inbound|9080||').join('\n')).toMatch(/loopback/);
    expectValid(side);
  });

  it('BlackHoleCluster: an upstream without nodes, reported', () => {
    const side = translateClusters([create(ClusterSchema, { name: 'BlackHoleCluster', clusterDiscoveryType: { case: 'type', value: STATIC } })], [], []);
    expect(side.upstreams.get('BlackHoleCluster')!.nodes).toEqual([]);
    expect(isComplete(side, 'BlackHoleCluster')).toBe(true);
    expect(reasons(side, 'BlackHoleCluster').join('\n')).toMatch(/no usable endpoints/);
    expectValid(side);
  });

  it('custom cluster types, nameless and duplicate clusters are dropped and reported', () => {
    const side = translateClusters(
      [
        create(ClusterSchema, { name: 'agg', clusterDiscoveryType: { case: 'clusterType', value: { name: 'envoy.clusters.aggregate' } } }),
        create(ClusterSchema, { name: '' }),
        staticCluster('dup', [{ host: '10.0.0.1', port: 1 }]),
        staticCluster('dup', [{ host: '10.0.0.2', port: 2 }]),
      ],
      [],
      [],
    );
    expect([...side.upstreams.keys()]).toEqual(['dup']);
    expect(side.upstreams.get('dup')!.nodes[0]!.host).toBe('10.0.0.1');
    const dropped = side.report.filter((i) => i.severity === 'dropped').map((i) => `${i.name}:${i.path}`);
    expect(dropped).toEqual(['agg:cluster_type', ':name', 'dup:name']);
  });

  it('aggregate clusters: children in failover order become successive APISIX priorities', () => {
    const config = new BinaryWriter().tag(1, WireType.LengthDelimited).string('primary').tag(1, WireType.LengthDelimited).string('secondary').tag(1, WireType.LengthDelimited).string('nope').finish();
    const agg = create(ClusterSchema, {
      name: 'agg',
      clusterDiscoveryType: { case: 'clusterType', value: { name: 'envoy.clusters.aggregate', typedConfig: { typeUrl: 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig', value: config } } },
      lbPolicy: Cluster_LbPolicy.CLUSTER_PROVIDED,
    });
    const side = translateClusters(
      [agg, edsCluster('primary'), staticCluster('secondary', [{ host: '10.1.0.1', port: 80 }])],
      [cla('primary', [{ eps: [{ host: '10.0.0.1', port: 80 }] }, { eps: [{ host: '10.0.0.2', port: 80 }], priority: 1 }])],
      [],
    );
    const u = side.upstreams.get('agg')!;
    expect(u.nodes.map((n) => `${n.host}@${n.priority}`)).toEqual(['10.0.0.1@0', '10.0.0.2@-1', '10.1.0.1@-2']);
    expect(u.id).toBe(upstreamIdFor('agg'));
    expect(isComplete(side, 'agg')).toBe(true);
    expect(side.info.get('agg')!.discovery).toBe('AGGREGATE');
    expect(reasons(side, 'agg').join('\n')).toMatch(/child cluster "nope" is not translated/);
    expectValid(side);
    const corrupt = create(ClusterSchema, { name: 'bad', clusterDiscoveryType: { case: 'clusterType', value: { name: 'envoy.clusters.aggregate', typedConfig: { typeUrl: 'type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig', value: new Uint8Array([10, 200]) } } } });
    const bad = translateClusters([corrupt], [], []);
    expect(bad.upstreams.size).toBe(0);
    expect(bad.report[0]).toMatchObject({ name: 'bad', severity: 'dropped' });
  });

  it('reports assignments that no cluster uses and duplicate assignments', () => {
    const side = translateClusters([edsCluster('a')], [cla('a', []), cla('a', []), cla('orphan', [])], []);
    expect(side.report.filter((i) => i.kind === 'ClusterLoadAssignment').map((i) => `${i.name} ${i.severity}`)).toEqual(['a dropped', 'orphan ignored']);
  });
});

describe('translateClusters: load balancing', () => {
  const one = [cla('x', [{ eps: [{ host: '10.0.0.1', port: 80 }] }])];
  it.each([
    [Cluster_LbPolicy.ROUND_ROBIN, 'roundrobin', false],
    [Cluster_LbPolicy.LEAST_REQUEST, 'least_conn', true],
    [Cluster_LbPolicy.RANDOM, 'roundrobin', true],
    [Cluster_LbPolicy.RING_HASH, 'chash', true],
    [Cluster_LbPolicy.MAGLEV, 'chash', true],
  ])('lb_policy %s -> %s', (policy, type, approximated) => {
    const side = translateClusters([edsCluster('x', { lbPolicy: policy })], one, []);
    const u = side.upstreams.get('x')!;
    expect(u.type).toBe(type);
    if (type === 'chash') expect(u).toMatchObject({ hash_on: 'vars', key: 'remote_addr' });
    else expect(u.key).toBeUndefined();
    expect(side.report.some((i) => i.path === 'lb_policy' && i.severity === 'approximated')).toBe(approximated);
    expectValid(side);
  });

  it('typed load_balancing_policy: first supported policy wins; locality weighting read from it', () => {
    const policy = (msgs: Any[]) => ({ policies: msgs.map((typedConfig) => ({ typedExtensionConfig: { name: 'p', typedConfig } })) });
    const unknown = { typeUrl: 'type.googleapis.com/envoy.extensions.load_balancing_policies.override_host.v3.OverrideHost', value: new Uint8Array() };
    const c1 = edsCluster('a', { loadBalancingPolicy: policy([unknown as never, anyPack(MaglevSchema, create(MaglevSchema, { tableSize: 65537n }))]) });
    const c2 = edsCluster('b', {
      loadBalancingPolicy: policy([anyPack(RoundRobinSchema, create(RoundRobinSchema, { localityLbConfig: { localityConfigSpecifier: { case: 'localityWeightedLbConfig', value: {} } }, slowStartConfig: {} }))]),
    });
    const c3 = edsCluster('c', {
      loadBalancingPolicy: policy([
        anyPack(WrrLocalitySchema, create(WrrLocalitySchema, { endpointPickingPolicy: policy([anyPack(LeastRequestSchema, create(LeastRequestSchema, {}))]) })),
      ]),
    });
    const twoLocalities = (n: string) => cla(n, [{ eps: [{ host: '10.0.0.1', port: 80 }], weight: 1 }, { eps: [{ host: '10.0.0.2', port: 80 }], weight: 3 }]);
    const side = translateClusters([c1, c2, c3], [twoLocalities('a'), twoLocalities('b'), twoLocalities('c')], []);
    expect(side.upstreams.get('a')!.type).toBe('chash');
    expect(side.upstreams.get('a')!.nodes.map((n) => n.weight)).toEqual([1, 1]);
    expect(side.upstreams.get('b')!.type).toBe('roundrobin');
    expect(side.upstreams.get('b')!.nodes.map((n) => n.weight)).toEqual([1, 3]);
    expect(side.upstreams.get('c')!.type).toBe('least_conn');
    expect(side.upstreams.get('c')!.nodes.map((n) => n.weight)).toEqual([1, 3]);
    expect(reasons(side, 'a').join('\n')).toMatch(/OverrideHost is not supported/);
    expect(reasons(side, 'b').join('\n')).toMatch(/slow start/);
    expectValid(side);
  });

  it('common_lb_config.locality_weighted_lb_config switches on locality weights; panic threshold is read', () => {
    const c = edsCluster('x', { commonLbConfig: { localityConfigSpecifier: { case: 'localityWeightedLbConfig', value: {} }, healthyPanicThreshold: { value: 0 } } });
    const side = translateClusters(
      [c],
      [cla('x', [{ eps: [{ host: '10.0.0.1', port: 80 }], weight: 2 }, { eps: [{ host: '10.0.0.2', port: 80 }, { host: '10.0.0.3', port: 80, health: HealthStatus.UNHEALTHY }, { host: '10.0.0.4', port: 80, health: HealthStatus.UNHEALTHY }], weight: 2 }])],
      [],
    );
    // 1/3 healthy: 1.4 * 1/3 = 0.4667 of locality 2's weight; panic threshold 0 -> no panic report.
    const [a, b] = side.upstreams.get('x')!.nodes.map((n) => n.weight);
    expect(b! / a!).toBeCloseTo(1.4 / 3, 2);
    expect(side.report.some((i) => /panic/.test(i.reason))).toBe(false);
  });
});

describe('translateClusters: timeouts, health checks, outlier detection, limits', () => {
  it('connect_timeout -> timeout.connect (Envoy default 5s; fractional kept)', () => {
    const side = translateClusters(
      [staticCluster('a', [{ host: '10.0.0.1', port: 1 }], STATIC, { connectTimeout: { seconds: 0n, nanos: 250_000_000 } }), staticCluster('b', [{ host: '10.0.0.1', port: 1 }])],
      [],
      [],
    );
    expect(side.upstreams.get('a')!.timeout).toEqual({ connect: 0.25, send: 60, read: 60 });
    expect(side.upstreams.get('b')!.timeout!.connect).toBe(5);
    const bad = translateClusters([staticCluster('n', [{ host: '10.0.0.1', port: 1 }], STATIC, { connectTimeout: { seconds: -3n, nanos: 0 } })], [], []);
    expect(bad.upstreams.get('n')!.timeout!.connect).toBe(5);
    expect(bad.report).toContainEqual(expect.objectContaining({ path: 'connect_timeout', severity: 'approximated' }));
    expectValid(side);
  });

  it('http health check -> checks.active with path, host, statuses, intervals and thresholds', () => {
    const c = staticCluster('hc', [{ host: '10.0.0.1', port: 80 }], STATIC, {
      healthChecks: [
        {
          interval: { seconds: 2n, nanos: 500_000_000 },
          timeout: { seconds: 1n, nanos: 0 },
          healthyThreshold: 3,
          unhealthyThreshold: 4,
          healthChecker: { case: 'httpHealthCheck', value: { path: '/healthz', host: 'svc.local', expectedStatuses: [{ start: 200n, end: 205n }], method: 1 } },
        },
        { healthChecker: { case: 'tcpHealthCheck', value: {} } },
      ],
    });
    const side = translateClusters([c], [], []);
    const active = side.upstreams.get('hc')!.checks!.active as Record<string, unknown>;
    expect(active).toMatchObject({
      type: 'http',
      http_path: '/healthz',
      host: 'svc.local',
      http_method: 'GET',
      timeout: 1,
      healthy: { interval: 3, successes: 3, http_statuses: [200, 201, 202, 203, 204] },
      unhealthy: { interval: 3, http_failures: 4, tcp_failures: 4, timeouts: 4 },
    });
    expect((active.unhealthy as { http_statuses: number[] }).http_statuses).toContain(503);
    expect((active.unhealthy as { http_statuses: number[] }).http_statuses).not.toContain(200);
    expect(side.report.some((i) => i.path === 'health_checks[1]')).toBe(true);
    expectValid(side);
  });

  it('tcp health check -> active tcp', () => {
    const c = staticCluster('t', [{ host: '10.0.0.1', port: 80 }], STATIC, { healthChecks: [{ unhealthyThreshold: 900, healthChecker: { case: 'tcpHealthCheck', value: {} } }] });
    const side = translateClusters([c], [], []);
    expect(side.upstreams.get('t')!.checks).toEqual({ active: { type: 'tcp', healthy: { interval: 1, successes: 1 }, unhealthy: { interval: 1, tcp_failures: 254, timeouts: 254 } } });
    expectValid(side);
  });

  it('outlier_detection -> checks.passive (+ a TCP probe as APISIX requires active) and reports the rest', () => {
    const c = edsCluster('o', {
      outlierDetection: { consecutive5xx: 7, baseEjectionTime: { seconds: 20n, nanos: 0 }, maxEjectionPercent: 50, failurePercentageThreshold: 90, splitExternalLocalOriginErrors: true, consecutiveLocalOriginFailure: 3 },
    });
    const side = translateClusters([c], [cla('o', [{ eps: [{ host: '10.0.0.1', port: 80 }] }])], []);
    const checks = side.upstreams.get('o')!.checks!;
    expect(checks.passive).toEqual({ type: 'http', healthy: { successes: 0 }, unhealthy: { http_statuses: [500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511], http_failures: 7, tcp_failures: 3, timeouts: 3 } });
    expect(checks.active).toMatchObject({ type: 'tcp', healthy: { interval: 20 } });
    const text = reasons(side, 'o').join('\n');
    expect(text).toMatch(/success-rate/);
    expect(text).toMatch(/failure-percentage/);
    expect(text).toMatch(/max_ejection_percent/);
    expectValid(side);
  });

  it('circuit breakers are reported unless unlimited (Istio sets 2^32-1)', () => {
    const unlimited = { maxConnections: 4294967295, maxPendingRequests: 4294967295, maxRequests: 4294967295, maxRetries: 4294967295 };
    const side = translateClusters(
      [
        staticCluster('u', [{ host: '10.0.0.1', port: 1 }], STATIC, { circuitBreakers: { thresholds: [unlimited] } }),
        staticCluster('l', [{ host: '10.0.0.1', port: 1 }], STATIC, { circuitBreakers: { thresholds: [{ maxConnections: 1, maxRequests: 1 }], perHostThresholds: [{ maxConnections: 1 }] } }),
      ],
      [],
      [],
    );
    expect(side.report.some((i) => i.name === 'u' && i.path === 'circuit_breakers')).toBe(false);
    const item = side.report.find((i) => i.name === 'l' && i.path === 'circuit_breakers')!;
    expect(item.reason).toMatch(/max_connections=1.*max_requests=1.*per_host_thresholds/);
  });

  it('HTTP protocol options: explicit HTTP/2 -> grpc, keepalive pool from common options; other fields reported', () => {
    const opts = create(HttpProtocolOptionsSchema, {
      commonHttpProtocolOptions: { idleTimeout: { seconds: 30n, nanos: 0 }, maxRequestsPerConnection: 10 },
      upstreamProtocolOptions: { case: 'explicitHttpConfig', value: { protocolConfig: { case: 'http2ProtocolOptions', value: {} } } },
    });
    const c = staticCluster('h2', [{ host: '10.0.0.1', port: 80 }], STATIC, {
      typedExtensionProtocolOptions: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': anyPack(HttpProtocolOptionsSchema, opts) },
      perConnectionBufferLimitBytes: 32768,
      filters: [{ name: 'istio.metadata_exchange' }],
    });
    const side = translateClusters([c], [], []);
    const u = side.upstreams.get('h2')!;
    expect(u.scheme).toBe('grpc');
    expect(u.keepalive_pool).toEqual({ idle_timeout: 30, requests: 10 });
    expect(side.info.get('h2')).toMatchObject({ http2: true, tls: false });
    const paths = side.report.filter((i) => i.name === 'h2').map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['per_connection_buffer_limit_bytes', 'filters', 'http2_protocol_options']));
    expectValid(side);
  });
});

describe('translateClusters: upstream TLS and secrets', () => {
  const sni = 'outbound_.9080_._.reviews.default.svc.cluster.local';

  it('Istio tlsMode-istio match: https with the stable client ssl of SDS "default"; missing secret reported', () => {
    const c = edsCluster('outbound|9080||reviews', { transportSocketMatches: istioTlsMatches(sni) });
    const eps = [cla('outbound|9080||reviews', [{ eps: [{ host: '10.0.0.1', port: 9080, tlsMode: 'istio' }, { host: '10.0.0.2', port: 9080, tlsMode: 'istio' }] }])];
    const side = translateClusters([c], eps, []);
    const u = side.upstreams.get('outbound|9080||reviews')!;
    expect(u.scheme).toBe('https');
    expect(u.tls).toEqual({ client_cert_id: sslIdFor('default', 'client') });
    expect(side.ssls).toEqual([]);
    const text = reasons(side, 'outbound|9080||reviews').join('\n');
    expect(side.report).toContainEqual(
      expect.objectContaining({ kind: 'Secret', name: 'default', severity: 'approximated', reason: expect.stringMatching(/not in the snapshot but used as client certificate by 1 cluster\(s\) \(outbound\|9080\|\|reviews\)/) }),
    );
    expect(text).toMatch(/SNI/);
    expect(text).toMatch(/does not verify upstream server certificates/);
    expect(text).toMatch(/ALPN/);
    expectValid(side);

    const withSecret = translateClusters([c], eps, [tlsSecret('default')]);
    const client = withSecret.ssls.find((x) => x.id === sslIdFor('default', 'client'))!;
    expect(client).toMatchObject({ type: 'client', desc: 'default' });
    expect(client.cert).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(client.key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    // The workload certificate also serves the sidecar's inbound mTLS: any SNI.
    expect(withSecret.ssls.find((x) => x.id === sslIdFor('default', 'server'))).toMatchObject({ type: 'server', sni: '*', cert: client.cert, key: client.key });
    expect(withSecret.ssls).toHaveLength(2);
    expect(withSecret.info.get('outbound|9080||reviews')).toMatchObject({ tls: true, clientSslId: sslIdFor('default', 'client') });
    expectValid(withSecret);
  });

  it('endpoints without the tlsMode label use the plaintext match; mixed sets keep the majority and report', () => {
    const c = edsCluster('m', { transportSocketMatches: istioTlsMatches(sni) });
    const plain = translateClusters([c], [cla('m', [{ eps: [{ host: '10.0.0.1', port: 80 }] }])], []);
    expect(plain.upstreams.get('m')!.scheme).toBe('http');
    expect(plain.upstreams.get('m')!.tls).toBeUndefined();

    const mixed = translateClusters([c], [cla('m', [{ eps: [{ host: '10.0.0.1', port: 80, tlsMode: 'istio' }, { host: '10.0.0.2', port: 80, tlsMode: 'istio' }, { host: '10.0.0.3', port: 80 }] }])], []);
    const u = mixed.upstreams.get('m')!;
    expect(u.scheme).toBe('https');
    expect(u.nodes.map((n) => n.host)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(reasons(mixed, 'm').join('\n')).toMatch(/1 of 3 endpoints need a different transport socket/);
    expectValid(mixed);
  });

  it('without endpoints yet, the match that needs no metadata decides', () => {
    const side = translateClusters([edsCluster('n', { transportSocketMatches: istioTlsMatches(sni) })], [], []);
    expect(side.upstreams.get('n')!.scheme).toBe('http');
  });

  it('transport_socket with an inline client certificate -> https + client ssl; HTTP/2 -> grpcs', () => {
    const ctx = create(UpstreamTlsContextSchema, {
      commonTlsContext: {
        tlsCertificates: [{ certificateChain: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', 'x') } }, privateKey: { specifier: { case: 'inlineString', value: fakePem('PRIVATE KEY', 'x') } } }],
      },
    });
    const c = staticCluster('tls', [{ host: '10.0.0.1', port: 443 }], STATIC, {
      transportSocket: { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, ctx) } },
      http2ProtocolOptions: {},
    });
    const side = translateClusters([c], [], []);
    const u = side.upstreams.get('tls')!;
    expect(u.scheme).toBe('grpcs');
    expect(side.ssls).toHaveLength(1);
    expect(u.tls!.client_cert_id).toBe(side.ssls[0]!.id);
    expect(side.ssls[0]!.type).toBe('client');
    expectValid(side);
  });

  it('secrets that APISIX cannot use are reported: redacted keys, files, validation contexts without CA', () => {
    const secrets = [
      create(SecretSchema, { name: 'redacted', type: { case: 'tlsCertificate', value: { certificateChain: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', 'r') } }, privateKey: { specifier: { case: 'inlineString', value: '[redacted]' } } } } }),
      create(SecretSchema, { name: 'file', type: { case: 'tlsCertificate', value: { certificateChain: { specifier: { case: 'filename', value: '/etc/cert.pem' } }, privateKey: { specifier: { case: 'filename', value: '/etc/key.pem' } } } } }),
      create(SecretSchema, { name: 'ROOTCA', type: { case: 'validationContext', value: { trustedCa: { specifier: { case: 'inlineString', value: fakePem('CERTIFICATE', 'ca') } } } } }),
      create(SecretSchema, { name: 'empty-vc', type: { case: 'validationContext', value: {} } }),
    ];
    const side = translateClusters([], [], secrets);
    expect([...side.secrets.keys()]).toEqual(['ROOTCA']);
    expect(side.secrets.get('ROOTCA')!.ca).toMatch(/BEGIN CERTIFICATE/);
    const items = side.report.filter((i) => i.kind === 'Secret').map((i) => `${i.name} ${i.severity} ${i.path}`);
    expect(items).toEqual(
      expect.arrayContaining([
        'redacted dropped tls_certificate.private_key.inline_string',
        'file dropped tls_certificate.certificate_chain.filename',
        'empty-vc ignored validation_context',
      ]),
    );
    expect(side.report.find((i) => i.name === 'redacted')!.reason).toMatch(/redacted/);
  });
});

describe('translateClusters: names and robustness', () => {
  it('keeps names within APISIX limits, the Envoy name in desc, and distinct long names distinct', () => {
    const long1 = `outbound|8080|v1|${'a'.repeat(120)}.svc.cluster.local`;
    const long2 = `outbound|8080|v2|${'a'.repeat(120)}.svc.cluster.local`;
    const side = translateClusters([staticCluster(long1, [{ host: '10.0.0.1', port: 1 }]), staticCluster(long2, [{ host: '10.0.0.1', port: 1 }])], [], []);
    const [u1, u2] = [side.upstreams.get(long1)!, side.upstreams.get(long2)!];
    expect(u1.name!.length).toBeLessThanOrEqual(100);
    expect(u1.name).not.toBe(u2.name);
    expect(u1.desc).toBe(long1);
    expectValid(side);
  });

  it('the same input gives the same JSON bytes', () => {
    const make = () =>
      translateClusters(
        [edsCluster('a', { transportSocketMatches: istioTlsMatches(sni2()) }), staticCluster('b', [{ host: '10.0.0.1', port: 1 }], STRICT_DNS)],
        [cla('a', [{ eps: [{ host: '10.0.0.1', port: 80, tlsMode: 'istio' }], weight: 3 }, { eps: [{ host: '10.0.0.2', port: 80 }], priority: 1 }])],
        [tlsSecret('default')],
      );
    const json = (s: ClusterSide) => JSON.stringify({ u: [...s.upstreams], c: completeClusters(s), p: [...s.passthrough], s: s.ssls, r: s.report });
    expect(json(make())).toBe(json(make()));
  });

  it('a cluster whose fields defeat the translation drops only itself', () => {
    const bad = staticCluster('bad', [{ host: '10.0.0.1', port: 1 }]);
    Object.defineProperty(bad, 'healthChecks', { get: () => { throw new Error('boom'); } });
    const side = translateClusters([bad, staticCluster('good', [{ host: '10.0.0.1', port: 1 }])], [], []);
    expect([...side.upstreams.keys()]).toEqual(['good']);
    expect(isComplete(side, 'bad')).toBe(false);
    expect(side.report).toContainEqual(expect.objectContaining({ name: 'bad', severity: 'dropped', reason: expect.stringMatching(/boom/) }));
  });
});

function sni2(): string {
  return 'outbound_.80_._.a';
}
