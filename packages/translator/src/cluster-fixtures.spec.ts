// The cluster side on real control-plane output (testdata/xds, see PROVENANCE.md), read by the loader.
import * as path from 'node:path';
import { HealthStatus } from '@amesh/proto';
import { create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema } from '@amesh/proto';
import { edsCluster, istioTlsMatches, schemaViolations, tlsSecret } from '../test/cluster-test-support.js';
import { completeClusters, isComplete, translateClusters, type ClusterSide } from './cluster-translator.js';
import { loadXdsPaths } from './loader/index.js';
import { sslIdFor } from './secret-translator.js';
import type { XdsResources } from './xds-resources.js';

const root = path.join(__dirname, '..', '..', '..', 'testdata', 'xds');
async function load(...files: string[]): Promise<XdsResources> {
  return (await loadXdsPaths(files.map((f) => path.join(root, f)))).resources;
}
function translate(x: XdsResources): ClusterSide {
  const side = translateClusters(x.clusters, x.clusterLoadAssignments, x.secrets);
  expect(schemaViolations(side)).toEqual([]);
  return side;
}
function paths(side: ClusterSide, name: string): string[] {
  return side.report.filter((i) => i.name === name).map((i) => `${i.severity} ${i.path}`);
}

describe('cluster fixtures', () => {
  it('Istio sidecar EDS (bookinfo): reviews has 3 mTLS endpoints of equal weight, kube-dns 2', async () => {
    const x = await load('istio/sidecar-eds-bookinfo.configdump.json');
    const names = x.clusterLoadAssignments.map((c) => c.clusterName).filter((n) => n.startsWith('outbound|'));
    const clusters = names.map((n) => edsCluster(n, { transportSocketMatches: istioTlsMatches(`outbound_.${n.split('|')[1]}_._.${n.split('|')[3]}`) }));
    const side = translate({ ...x, clusters, secrets: [tlsSecret('default')] });
    const reviews = side.upstreams.get('outbound|9080||reviews.default.svc.cluster.local')!;
    expect(reviews.nodes).toEqual([
      { host: '10.244.0.192', port: 9080, weight: 1, priority: 0 },
      { host: '10.244.0.193', port: 9080, weight: 1, priority: 0 },
      { host: '10.244.0.195', port: 9080, weight: 1, priority: 0 },
    ]);
    expect(reviews.scheme).toBe('https');
    expect(reviews.tls).toEqual({ client_cert_id: sslIdFor('default', 'client') });
    expect(side.upstreams.get('outbound|53||kube-dns.kube-system.svc.cluster.local')!.nodes).toHaveLength(2);
    for (const n of names) expect(isComplete(side, n)).toBe(true);
    expect(side.ssls.map((s) => s.id).sort()).toEqual([sslIdFor('default', 'client'), sslIdFor('default', 'server')].sort());
    // The static endpoint configs (sds-grpc over a pipe, …) belong to no EDS cluster here.
    expect(side.report.some((i) => i.kind === 'ClusterLoadAssignment' && i.name === 'sds-grpc')).toBe(true);
  });

  it('Istio 1.7 gateway CDS: EDS clusters wait for endpoints, DNS ServiceEntries keep hostnames, BlackHole has no nodes', async () => {
    const side = translate(await load('istio/ingressgateway-full-cds-istio1.7.config_dump.json'));
    expect(side.upstreams.size).toBe(59);
    expect(side.upstreams.get('outbound|443||nginx.example.com')!.nodes).toEqual([{ host: 'my-nginx.mesh-external.svc.cluster.local', port: 443, weight: 1, priority: 0 }]);
    expect(isComplete(side, 'outbound|443||nginx.example.com')).toBe(true);
    expect(side.upstreams.get('BlackHoleCluster')!.nodes).toEqual([]);
    const eds = [...side.upstreams.keys()].filter((n) => n.startsWith('outbound|') && !n.includes('nginx.example.com'));
    expect(eds.length).toBeGreaterThan(10);
    for (const n of eds) expect(isComplete(side, n)).toBe(false);
    // Istio's unlimited circuit breakers are not worth a report; the metadata exchange filter is.
    expect(side.report.some((i) => i.path === 'circuit_breakers')).toBe(false);
    expect(side.report.filter((i) => i.path === 'filters').length).toBe(59);
    // Envoy redacts private keys in config dumps: the `default` secret is unusable and says so.
    expect(side.report).toContainEqual(expect.objectContaining({ kind: 'Secret', name: 'default', severity: 'dropped' }));
  });

  it('Envoy Gateway load balancers: maglev -> chash, least_request -> least_conn, random/override_host approximated', async () => {
    const side = translate(await load('envoy-gateway/load-balancer.clusters.yaml'));
    const type = (n: string) => side.upstreams.get(n)!.type;
    expect(type('first-route-dest')).toBe('roundrobin');
    expect(type('second-route-dest')).toBe('roundrobin');
    expect(type('third-route-dest')).toBe('least_conn');
    expect(side.upstreams.get('fourth-route-dest')).toMatchObject({ type: 'chash', hash_on: 'vars', key: 'remote_addr' });
    expect(type('eleventh-route-dest')).toBe('roundrobin');
    expect(type('sixteenth-route-dest')).toBe('roundrobin');
    expect(paths(side, 'second-route-dest')).toContain('approximated load_balancing_policy.policies[0].typed_extension_config.typed_config');
    expect(paths(side, 'eleventh-route-dest')).toEqual(expect.arrayContaining(['ignored load_balancing_policy.policies[0].typed_extension_config.typed_config', 'approximated load_balancing_policy.policies']));
    expect(paths(side, 'sixth-route-dest')).toContain('ignored load_balancing_policy.policies[0].typed_extension_config.typed_config.slow_start_config');
  });

  it('Envoy Gateway weighted localities: locality weights 20/40/20/20 become 1:2:1:1', async () => {
    const x = await load('envoy-gateway/load-balancer.clusters.yaml', 'envoy-gateway/http-route-weighted-backend.endpoints.yaml');
    const side = translate(x);
    expect(side.upstreams.get('first-route-dest')!.nodes.map((n) => [n.host, n.weight])).toEqual([
      ['1.1.1.1', 1],
      ['2.2.2.2', 2],
      ['3.3.3.3', 1],
      ['4.4.4.4', 1],
    ]);
    expect(isComplete(side, 'first-route-dest')).toBe(true);
  });

  it('Consul and Envoy Gateway priorities: failover endpoints get a lower APISIX priority', async () => {
    const x = await load('consul/endpoints/connect-proxy-with-chain-and-failover.envoy-1-18-x.golden', 'envoy-gateway/backend-priority.endpoints.yaml');
    const clusters = x.clusterLoadAssignments.map((c) => edsCluster(c.clusterName));
    const side = translate({ ...x, clusters });
    const db = side.upstreams.get('db.default.dc1.internal.11111111-2222-3333-4444-555555555555.consul')!;
    expect(db.nodes.map((n) => `${n.host}@${n.priority}`)).toEqual(['10.10.1.1@0', '10.10.1.2@0', '10.20.1.1@-1', '10.20.1.2@-1']);
    const eg = side.upstreams.get('envoyextensionpolicy/default/policy-for-http-route/0')!;
    expect(eg.nodes.map((n) => `${n.host}:${n.port}@${n.priority}`)).toEqual(['8.8.8.8:9000@-1', '1.1.1.1:3001@-1', '2.2.2.2:3443@-1']);
  });

  it('Envoy Gateway backend TLS: https; endpoints selecting the TLS match present the SDS client certificate', async () => {
    const x = await load('envoy-gateway/backend-tls-settings.clusters.yaml');
    const name = 'httproute/default/httproute-1/rule/0';
    const assignment = create(ClusterLoadAssignmentSchema, {
      clusterName: name,
      endpoints: [
        {
          lbEndpoints: [
            {
              hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'socketAddress', value: { address: '7.7.7.7', portSpecifier: { case: 'portValue', value: 8443 } } } } } },
              healthStatus: HealthStatus.HEALTHY,
              metadata: { filterMetadata: { 'envoy.transport_socket_match': { name: `${name}/tls/0` } } },
            },
          ],
          loadBalancingWeight: 1,
        },
      ],
    });
    const side = translate({ ...x, clusterLoadAssignments: [assignment], secrets: [tlsSecret('envoy-gateway-system/client-auth')] });
    const u = side.upstreams.get(name)!;
    expect(u.scheme).toBe('https');
    expect(u.tls).toEqual({ client_cert_id: sslIdFor('envoy-gateway-system/client-auth', 'client') });
    expect(side.ssls).toEqual([expect.objectContaining({ id: sslIdFor('envoy-gateway-system/client-auth', 'client'), type: 'client' })]);
    expect(paths(side, name)).toEqual(expect.arrayContaining(['approximated transport_socket_matches[0].transport_socket.typed_config.sni', 'approximated transport_socket_matches[0].transport_socket.typed_config.common_tls_context.validation_context']));
    // Without endpoints the default (TLS, no client certificate) socket applies.
    expect(side.upstreams.get('httproute/default/httproute-2/rule/0')!.scheme).toBe('https');
    expect(side.upstreams.get('httproute/default/httproute-2/rule/0')!.tls).toBeUndefined();
  });

  it('Envoy Gateway circuit breakers: limits reported, max_requests_per_connection -> keepalive_pool.requests', async () => {
    const side = translate(await load('envoy-gateway/circuit-breaker.clusters.yaml'));
    expect(side.upstreams.get('first-route-dest')!.keepalive_pool).toEqual({ requests: 10 });
    const cb = side.report.find((i) => i.path === 'circuit_breakers')!;
    expect(cb.reason).toMatch(/max_connections=1.*max_pending_requests=1.*max_requests=1.*max_retries=2.*retry_budget.*per_host_thresholds/);
  });

  it('Kuma: RING_HASH -> chash, outlier detection -> passive checks, ORIGINAL_DST -> passthrough, mesh mTLS over SDS', async () => {
    const ring = translate(await load('kuma/e2e-sidecar/lb-ringhash/demo-client.golden.json'));
    expect(ring.upstreams.get('kri_msvc_envoyconfig_kuma-3__test-server_80')!.type).toBe('chash');
    expect([...ring.passthrough].sort()).toEqual([
      'self_transparentproxy_passthrough_inbound_ipv4',
      'self_transparentproxy_passthrough_inbound_ipv6',
      'self_transparentproxy_passthrough_outbound_ipv4',
      'self_transparentproxy_passthrough_outbound_ipv6',
    ]);
    const mesh = ring.upstreams.get('kri_msvc_envoyconfig_kuma-3__demo-client_3000')!;
    expect(mesh.scheme === 'https' || mesh.scheme === 'grpcs').toBe(true);
    expect(mesh.tls?.client_cert_id).toMatch(/^s-/);

    const cb = translate(await load('kuma/e2e-sidecar/circuitbreaker-outbound/demo-client.golden.json'));
    const checks = cb.upstreams.get('kri_msvc_envoyconfig_kuma-3__test-server_80')!.checks!;
    expect(checks.passive).toMatchObject({ type: 'http', unhealthy: { http_statuses: expect.arrayContaining([500, 502, 503]) } });
    expect(paths(cb, 'kri_msvc_envoyconfig_kuma-3__test-server_80')).toEqual(
      expect.arrayContaining(['ignored outlier_detection.enforcing_success_rate', 'ignored outlier_detection.max_ejection_percent']),
    );
  });

  it('Envoy locality example: STRICT_DNS localities x priorities with an active HTTP check', async () => {
    const side = translate(await load('envoy-examples/locality-load-balancing.envoy.yaml'));
    const u = side.upstreams.get('backend')!;
    expect(u.nodes.map((n) => `${n.host}@${n.priority}`)).toEqual(['backend-local-1@0', 'backend-local-2@-1', 'backend-remote-1@-1', 'backend-remote-2@-2']);
    expect(u.checks!.active).toMatchObject({ type: 'http', http_path: '/', timeout: 3, healthy: { interval: 2, successes: 1 }, unhealthy: { interval: 2, http_failures: 1 } });
  });

  it('OSM: ORIGINAL_DST passthrough, STRICT_DNS egress, mTLS EDS cluster referencing SDS certificates', async () => {
    const side = translate(await load('osm/curl_egress.config_dump.json'));
    expect([...side.passthrough]).toEqual(['443']);
    expect(side.upstreams.get('httpbin.org:80')!.nodes).toEqual([{ host: 'httpbin.org', port: 80, weight: 1, priority: 0 }]);
    const mesh = side.upstreams.get('httpbin/httpbin|14001')!;
    expect(mesh.scheme).toBe('https');
    expect(mesh.tls?.client_cert_id).toMatch(/^s-/);
    expect(isComplete(side, 'httpbin/httpbin|14001')).toBe(false);
  });
});
