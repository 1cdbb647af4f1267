import * as fs from 'node:fs';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema } from '@amesh/proto';
import { ApisixValidator, type ApisixKind } from '@amesh/schema';
import type { ApisixConfig, ApisixRoute, ApisixUpstream } from './apisix-types.js';
import { loadXdsPaths } from './loader/index.js';
import { allRoutes, routeClusterNames, withStaticClusters } from './testing/fixture-clusters.js';
import { edsCluster } from './testing/xds-builders.js';
import { translate, type TranslateResult } from './translate.js';
import type { XdsResources } from './xds-resources.js';

/**
 * Every file of testdata/xds is loaded and translated here, every emitted object is checked against
 * APISIX's schemas (unknown plugins are errors), and each file gets at least one assertion on what
 * its translation says. translate.fixtures.spec.ts goes deeper on some of them (matching).
 */

const XDS = path.join(__dirname, '../../../testdata/xds');

interface Translated {
  xds: XdsResources;
  out: TranslateResult;
}

const validator = new ApisixValidator({ unknownPlugins: 'error' });

function violations(config: ApisixConfig): string[] {
  const lists: [ApisixKind, readonly { id: string }[]][] = [
    ['route', config.routes],
    ['upstream', config.upstreams],
    ['ssl', config.ssls],
    ['stream_route', config.stream_routes],
    ['plugin_config', config.plugin_configs],
    ['global_rule', config.global_rules],
  ];
  return lists.flatMap(([kind, objects]) => objects.flatMap((o) => validator.validate(kind, o).map((v) => `${kind} ${o.id}: ${v.path} ${v.message}`)));
}

/**
 * Partial fixtures (only routes, only clusters, only endpoints) translate to little on their own:
 * give them the missing side so their own content reaches APISIX. Route-only: a STATIC cluster per
 * named cluster. EDS clusters without endpoints: one endpoint each (10.254.0.x:8080). Endpoints
 * without clusters: an EDS cluster each. Complete dumps are translated as they are.
 */
function completed(loaded: XdsResources): XdsResources {
  let xds = loaded;
  if (xds.clusters.length === 0 && xds.clusterLoadAssignments.length > 0) {
    xds = { ...xds, clusters: xds.clusterLoadAssignments.map((cla) => edsCluster(cla.clusterName)) };
  }
  if (xds.clusters.length === 0) xds = withStaticClusters(xds, routeClusterNames(allRoutes(xds)));
  if (xds.clusterLoadAssignments.length === 0) {
    const eds = xds.clusters.filter((c) => c.clusterDiscoveryType.case === 'type' && c.clusterDiscoveryType.value === 3);
    xds = {
      ...xds,
      clusterLoadAssignments: eds.map((c, i) =>
        create(ClusterLoadAssignmentSchema, {
          clusterName: c.edsClusterConfig?.serviceName || c.name,
          endpoints: [
            {
              lbEndpoints: [
                {
                  hostIdentifier: {
                    case: 'endpoint',
                    value: { address: { address: { case: 'socketAddress', value: { address: `10.254.0.${i}`, portSpecifier: { case: 'portValue', value: 8080 } } } } },
                  },
                },
              ],
            },
          ],
        }),
      ),
    };
  }
  return xds;
}

async function translated(file: string): Promise<Translated> {
  const { resources } = await loadXdsPaths([path.join(XDS, file)]);
  const xds = completed(resources);
  return { xds, out: translate(xds) };
}

const upstream = (t: Translated, name: string): ApisixUpstream => {
  const found = t.out.config.upstreams.filter((u) => u.name === name);
  expect(found.map((u) => u.name)).toEqual([name]);
  return found[0]!;
};
const routesNamed = (t: Translated, re: RegExp): ApisixRoute[] => t.out.config.routes.filter((r) => re.test(r.name ?? ''));
const upstreamOf = (t: Translated, route: ApisixRoute): ApisixUpstream | undefined => t.out.config.upstreams.find((u) => u.id === route.upstream_id);
const reported = (t: Translated, name: string, pathPart: string) => t.out.report.filter((i) => i.name === name && i.path.includes(pathPart));

const READY_ROUTE = { uris: ['/healthz/ready*'], vars: [['server_port', '==', 15021]] };

/** What each fixture's translation must say, file by file (relative to testdata/xds). */
const CONTENT: Record<string, (t: Translated) => void> = {
  'consul/endpoints/connect-proxy-with-chain-and-failover.envoy-1-18-x.golden': (t) => {
    const names = t.xds.clusterLoadAssignments.map((c) => c.clusterName);
    expect(names).toHaveLength(2);
    for (const name of names) expect(upstream(t, name).nodes.length).toBeGreaterThan(0);
  },
  'envoy-examples/locality-load-balancing.envoy.yaml': (t) => {
    const u = upstream(t, 'backend');
    // Locality priorities become APISIX node priorities (higher first): 0 local, then remote.
    expect(u.nodes.map((n) => [n.host, n.priority])).toEqual([
      ['backend-local-1', 0],
      ['backend-local-2', -1],
      ['backend-remote-1', -1],
      ['backend-remote-2', -2],
    ]);
    expect(u.checks?.active).toMatchObject({ type: 'http', http_path: '/' });
    expect(t.out.config.routes).toMatchObject([{ uris: ['/*'], vars: [['server_port', '==', 3000]], upstream_id: u.id }]);
  },
  'envoy-gateway/backend-priority.endpoints.yaml': (t) => {
    // Envoy priority 1 (failover; priority 0 has no endpoints here) is APISIX node priority -1.
    const u = upstream(t, 'envoyextensionpolicy/default/policy-for-http-route/0');
    expect(u.nodes.map((n) => [`${n.host}:${n.port}`, n.priority])).toEqual([
      ['8.8.8.8:9000', -1],
      ['1.1.1.1:3001', -1],
      ['2.2.2.2:3443', -1],
    ]);
    expect(upstream(t, 'httproute/default/httproute-1/rule/0').nodes).toMatchObject([{ host: '7.7.7.7', port: 8080, priority: 0 }]);
  },
  'envoy-gateway/backend-tls-settings.clusters.yaml': (t) => {
    expect(t.out.config.upstreams).toHaveLength(t.xds.clusters.length);
    expect(t.out.config.upstreams.some((u) => u.scheme === 'https')).toBe(true);
    expect(reported(t, 'httproute/default/httproute-1/rule/0', 'tls_params')[0]?.reason).toMatch(/set globally in APISIX/);
  },
  'envoy-gateway/circuit-breaker.clusters.yaml': (t) => {
    expect(upstream(t, 'first-route-dest').type).toBe('least_conn');
    expect(reported(t, 'first-route-dest', 'circuit_breakers')[0]).toMatchObject({ severity: 'ignored', reason: expect.stringMatching(/max_connections=1/) });
  },
  'envoy-gateway/cors.routes.yaml': (t) => {
    const [route] = routesNamed(t, /first-route$/);
    expect(route?.plugins?.cors).toMatchObject({ allow_origins_by_regex: ['^foo\\.bar\\.com$'], max_age: 1000, allow_credential: true });
  },
  'envoy-gateway/http-route-direct-response.routes.yaml': (t) => {
    const byUri = (uri: string) => t.out.config.routes.find((r) => r.uris?.includes(uri));
    expect(byUri('/value-ref-not-found*')?.plugins?.['fault-injection']).toMatchObject({ abort: { http_status: 500 } });
    expect(byUri('/logo*')?.plugins?.['response-rewrite']).toMatchObject({ headers: { set: { 'content-type': 'image/png' } } });
    // Direct responses need no upstream.
    expect(t.out.config.routes.every((r) => r.upstream_id === undefined)).toBe(true);
  },
  'envoy-gateway/http-route-multiple-matches.routes.yaml': (t) => {
    const route = t.out.config.routes.find((r) => r.uris?.includes('/v1/example*') && r.hosts?.includes('example.com'));
    expect(route?.vars).toEqual(expect.arrayContaining([['arg_debug', '==', 'yes']]));
  },
  'envoy-gateway/http-route-regex.routes.yaml': (t) => {
    const [route] = routesNamed(t, /regex-route$/);
    expect(route?.vars).toEqual(expect.arrayContaining([['uri', '~~', '^(?:/v1/.*)$']]));
    expect(upstreamOf(t, route!)?.name).toBe('regex-route-dest');
  },
  'envoy-gateway/http-route-rewrite-url-prefix.routes.yaml': (t) => {
    const [route] = routesNamed(t, /\/rewrite-route$/);
    expect(route?.plugins?.['proxy-rewrite']).toEqual({ regex_uri: ['^\\/origin(.*)', '/rewrite$1'] });
  },
  'envoy-gateway/http-route-weighted-backend-with-filters.routes.yaml': (t) => {
    const [route] = routesNamed(t, /second-route$/);
    const split = route?.plugins?.['traffic-split'] as { rules: { weighted_upstreams: { weight: number }[] }[] } | undefined;
    expect(split?.rules[0]?.weighted_upstreams.map((w) => w.weight)).toEqual([8, 2]);
  },
  'envoy-gateway/http-route-weighted-backend.endpoints.yaml': (t) => {
    const u = upstream(t, 'first-route-dest');
    expect(u.nodes.length).toBeGreaterThan(0);
    expect(u.nodes.every((n) => n.port > 0 && n.weight > 0)).toBe(true);
  },
  'envoy-gateway/load-balancer.clusters.yaml': (t) => {
    expect(t.out.config.upstreams).toHaveLength(17);
    const types = new Set(t.out.config.upstreams.map((u) => u.type));
    expect([...types].sort()).toEqual(expect.arrayContaining(['chash', 'least_conn', 'roundrobin']));
    expect(upstream(t, 'eighth-route-dest')).toMatchObject({ type: 'chash', key: 'remote_addr' });
  },
  'envoy-gateway/retry.routes.yaml': (t) => {
    const retries = t.out.config.upstreams.map((u) => u.retries).sort();
    expect(retries).toEqual(expect.arrayContaining([3, 5]));
    expect(upstream(t, 'first-route-dest retries=3;').nodes).toHaveLength(1);
  },
  'istio/bootstrap-default_golden.json': (t) => {
    // xds-grpc is a STATIC cluster on a Unix socket: APISIX nodes cannot be sockets, so the
    // upstream exists (scheme grpc, from http2_protocol_options) with no node, and the report says why.
    const xdsGrpc = upstream(t, 'xds-grpc');
    expect(xdsGrpc).toMatchObject({ scheme: 'grpc', nodes: [] });
    expect(reported(t, 'xds-grpc', 'endpoint.address.pipe')).toMatchObject([{ severity: 'dropped', reason: expect.stringContaining('/tmp/XDS') }]);
    const ready = t.out.config.routes.find((r) => r.uris?.includes('/healthz/ready*'));
    expect(ready).toMatchObject(READY_ROUTE);
    expect(upstreamOf(t, ready!)).toMatchObject({ name: 'agent', nodes: [{ host: '127.0.0.1', port: 15020 }] });
  },
  'istio/ingressgateway-full-cds-istio1.7.config_dump.json': (t) => {
    expect(upstream(t, 'outbound|80||nginx.example.com').nodes).toMatchObject([{ host: 'my-nginx.mesh-external.svc.cluster.local', port: 80 }]);
  },
  'istio/sidecar-eds-bookinfo.configdump.json': (t) => {
    expect(t.out.config.upstreams.length).toBeGreaterThan(0);
    const reviews = t.out.config.upstreams.filter((u) => /^outbound\|9080\|.*reviews/.test(u.name ?? ''));
    expect(reviews.length).toBeGreaterThan(0);
    for (const u of reviews) expect(u.nodes.every((n) => n.port === 9080)).toBe(true);
  },
  'istio/sidecar-lds-full.configdump.yaml': (t) => {
    expect(t.out.config.routes.find((r) => r.uris?.includes('/healthz/ready*'))).toMatchObject(READY_ROUTE);
    expect(routesNamed(t, /^inbound\|http\|8000\//)).not.toEqual([]);
  },
  'istio/waypoint-all-types-mini.config_dump.json': (t) => {
    // The inbound-vip cluster is EDS and the dump holds no endpoints for it (only for 8100): no
    // upstream, and the route to it is dropped with that reason rather than sent nowhere.
    const vip = 'inbound-vip|8000|http|httpbin.default.svc.cluster.local';
    expect(t.xds.clusters.map((c) => c.name)).toContain(vip);
    expect(t.out.config.upstreams.map((u) => u.name)).not.toContain(vip);
    expect(t.out.report).toEqual(expect.arrayContaining([expect.objectContaining({ severity: 'dropped', reason: `cluster ${vip} has no endpoints yet` })]));
    expect(t.out.report).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'ClusterLoadAssignment', name: 'inbound-vip|8100|http|httpbin.default.svc.cluster.local' })]),
    );
    const ready = t.out.config.routes.find((r) => r.uris?.includes('/healthz/ready*'));
    expect(upstreamOf(t, ready!)).toMatchObject({ name: 'agent', nodes: [{ host: '127.0.0.1', port: 15020 }] });
  },
  'kuma/e2e-sidecar/circuitbreaker-outbound/demo-client.golden.json': (t) => {
    // Outlier detection becomes a passive health check.
    expect(upstream(t, 'kri_msvc_envoyconfig_kuma-3__test-server_80').checks).toMatchObject({
      passive: { unhealthy: { http_statuses: expect.arrayContaining([500, 503]) } },
    });
  },
  'kuma/e2e-sidecar/lb-ringhash/demo-client.golden.json': (t) => {
    expect(upstream(t, 'kri_msvc_envoyconfig_kuma-3__test-server_80')).toMatchObject({ type: 'chash', hash_on: 'header', key: 'x-header' });
  },
  'kuma/e2e-sidecar/mtls-inbound-permissive/test-server.golden.json': (t) => {
    expect(upstream(t, 'kri_msvc_envoyconfig_kuma-3__test-server_80')).toMatchObject({ scheme: 'grpcs', tls: { client_cert_id: expect.any(String) } });
    expect(t.out.config.stream_routes).toMatchObject([{ server_port: 3000 }]);
  },
  'kuma/e2e-sidecar/retry-outbound-route/demo-client.golden.json': (t) => {
    const routes = routesNamed(t, /test-route_rule_0$/);
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(upstreamOf(t, r)?.retries).toBeGreaterThan(0);
  },
  'kuma/e2e-sidecar/timeout-outbound-route/demo-client.golden.json': (t) => {
    const routes = routesNamed(t, /test-route_rule_0$/);
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.timeout).toMatchObject({ send: 42, read: 42 });
  },
  'kuma/meshhttproute/headers-match.listeners.golden.yaml': (t) => {
    const [route] = routesNamed(t, /test-origin_rule_0$/);
    expect(route?.vars).toEqual(expect.arrayContaining([['http_foo_exact', '==', 'bar'], ['http_foo_absent', '!', '~~', '^']]));
  },
  'kuma/meshhttproute/request-header-modifiers.listeners.golden.yaml': (t) => {
    const [route] = routesNamed(t, /test-origin_rule_0$/);
    expect(route?.plugins?.['proxy-rewrite']).toMatchObject({
      headers: { add: { 'request-add-header': 'add-value' }, set: { 'request-set-header': 'set-value' }, remove: ['request-header-to-remove'] },
    });
  },
  'osm/curl_egress.config_dump.json': (t) => {
    const route = t.out.config.routes.find((r) => r.hosts?.includes('httpbin.org'));
    expect(upstreamOf(t, route!)).toMatchObject({ name: 'httpbin.org:80', nodes: [{ host: 'httpbin.org', port: 80 }] });
  },
};

/** Files of testdata/xds that are not xDS: Kuma policy inputs (the goldens' sources) and the provenance notes. */
const NOT_XDS = (file: string) => file === 'PROVENANCE.md' || /^kuma\/e2e-sidecar\/[^/]+\/input\.yaml$/.test(file);

const onDisk = fs
  .readdirSync(XDS, { recursive: true, encoding: 'utf8' })
  .map((f) => f.split(path.sep).join('/'))
  .filter((f) => fs.statSync(path.join(XDS, f)).isFile())
  .sort();

describe('every fixture of testdata/xds translates to schema-valid APISIX objects', () => {
  test('every xDS file on disk has a content check here (and no check is for a missing file)', () => {
    expect(onDisk.filter((f) => !NOT_XDS(f))).toEqual(Object.keys(CONTENT).sort());
  });

  test.each(Object.keys(CONTENT).sort())('%s', async (file) => {
    const t = await translated(file);
    expect(violations(t.out.config)).toEqual([]);
    const total = t.out.config.routes.length + t.out.config.upstreams.length + t.out.config.stream_routes.length + t.out.config.ssls.length;
    expect(total).toBeGreaterThan(0);
    CONTENT[file]!(t);
  });

  test.each(onDisk.filter((f) => f.endsWith('input.yaml')))('%s is a Kuma policy, not xDS: the loader says so', async (file) => {
    await expect(loadXdsPaths([path.join(XDS, file)])).rejects.toThrow(/unknown top-level shape \(keys: type, name, mesh/);
  });
});
