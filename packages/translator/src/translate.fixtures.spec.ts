import * as path from 'node:path';
import type { RouteConfiguration } from '@amesh/proto';
import type { ApisixConfig, ApisixRoute } from './apisix-types.js';
import { loadXdsPaths } from './loader/index.js';
import { translate, type TranslateOptions, type TranslateResult } from './translate.js';
import { createTranslator } from './create-translator.js';
import { prefixRoute, routeConfig } from './testing/xds-builders.js';
import { testRequest } from './testing/test-request.js';
import { apisixActionKey, envoyActionKey } from './testing/action-key.js';
import { apisixRoute, envoyRoute } from './testing/strict-match.js';
import { allRouteConfigs, allRoutes, routeClusterNames, withStaticClusters } from './testing/fixture-clusters.js';
import { schemaViolations } from './testing/schema-check.js';
import { captured, type MatchRequest } from './matching/index.js';
import { DEFAULT_CAPTURE_PORTS } from './listener-scope.js';
import type { XdsResources } from './xds-resources.js';

const XDS = path.join(__dirname, '../../../testdata/xds');

interface Fixture {
  xds: XdsResources;
  out: TranslateResult;
  routes: ApisixRoute[];
  clusterOfNode: Map<string, string>;
}

/**
 * Loads a fixture, adds a STATIC cluster for every cluster its routes name but it does not carry
 * (route-only goldens), translates, and requires every emitted object to be schema-valid.
 */
async function fixture(file: string, options: TranslateOptions = {}, moreRoutes: RouteConfiguration[] = []): Promise<Fixture> {
  const { resources: loaded } = await loadXdsPaths([path.join(XDS, file)]);
  const resources = moreRoutes.length ? { ...loaded, routeConfigurations: [...loaded.routeConfigurations, ...moreRoutes] } : loaded;
  const xds = withStaticClusters(resources, routeClusterNames(allRoutes(resources)));
  const out = translate(xds, options);
  expect(schemaViolations(out.config)).toEqual([]);
  const clusterOfNode = new Map<string, string>();
  for (const c of xds.clusters) {
    const ep = c.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    if (ep?.case === 'endpoint' && ep.value.address?.address.case === 'socketAddress') clusterOfNode.set(ep.value.address.address.value.address, c.name);
  }
  return { xds, out, routes: out.config.routes, clusterOfNode };
}

const named = (f: Fixture, name: string) => f.routes.filter((r) => r.name === name);
const one = (f: Fixture, name: string): ApisixRoute => {
  const list = named(f, name);
  expect(list).toHaveLength(1);
  return list[0]!;
};
const upstreamOf = (config: ApisixConfig, id: string | undefined) => config.upstreams.find((u) => u.id === id);

/** Requests built from a route configuration's own domains, paths and header values. */
function probeRequests(rc: RouteConfiguration, port: number, address?: string): MatchRequest[] {
  const hosts = new Set(['unknown.invalid']);
  const paths = new Set(['/', '/zzz']);
  const headerSets: Record<string, string>[] = [{}];
  for (const vh of rc.virtualHosts) {
    for (const d of vh.domains) if (d !== '*') hosts.add(d.replace(/^\*/, 'x').replace(/\*$/, 'x'));
    for (const r of vh.routes) {
      const ps = r.match?.pathSpecifier;
      if (ps?.case === 'prefix' || ps?.case === 'path' || ps?.case === 'pathSeparatedPrefix') {
        paths.add(ps.value);
        paths.add(`${ps.value}/x`);
        paths.add(`${ps.value}x`);
      }
      const hs: Record<string, string> = {};
      for (const h of r.match?.headers ?? []) {
        const s = h.headerMatchSpecifier;
        if (s.case === 'exactMatch' || s.case === 'prefixMatch') hs[h.name.toLowerCase()] = s.value;
        if (s.case === 'stringMatch' && s.value.matchPattern.case === 'exact') hs[h.name.toLowerCase()] = s.value.matchPattern.value;
      }
      if (Object.keys(hs).length) headerSets.push(hs);
    }
  }
  const out: MatchRequest[] = [];
  for (const authority of hosts) for (const p of paths) for (const headers of headerSets) out.push({ authority, port, address, method: 'GET', path: p.startsWith('/') ? p : `/${p}`, headers, query: {} });
  return out;
}

/** Envoy's and APISIX's decisions agree on every probe request of the fixture's route configuration. */
function expectSameDecisions(f: Fixture, rc: RouteConfiguration, port: number, address?: string) {
  const mismatches: string[] = [];
  for (const req of probeRequests(rc, port, address)) {
    // Only authorities the route configuration knows in a portless form are comparable (APISIX
    // has no port in $host; these configs set ignore_port_in_host_matching or list bare names).
    const envoy = envoyActionKey(envoyRoute(f.xds, req, rc)?.route);
    const apisix = apisixActionKey(apisixRoute(f.routes, req), f.out.config, f.clusterOfNode);
    if (envoy !== apisix) mismatches.push(`${req.authority}${req.path} ${JSON.stringify(req.headers)}: Envoy ${envoy}, APISIX ${apisix}`);
  }
  expect(mismatches).toEqual([]);
}

describe('Envoy Gateway route goldens', () => {
  test('cors: cors plugin from the filter config, invalid origin regex reported, websocket kept', async () => {
    const f = await fixture('envoy-gateway/cors.routes.yaml');
    const r = one(f, 'first-listener/*/first-route');
    expect(r.hosts).toBeUndefined();
    expect(r.vars).toEqual([['uri', '==', 'foo/bar']]);
    expect(r.enable_websocket).toBe(true);
    expect(r.plugins!.cors).toEqual({
      allow_origins: 'null',
      allow_origins_by_regex: ['^foo\\.bar\\.com$'],
      allow_methods: '**',
      allow_headers: 'x-header-1,x-header-2',
      expose_headers: 'x-header-3,x-header-4',
      max_age: 1000,
      allow_credential: true,
    });
    expect(f.out.report).toContainEqual(expect.objectContaining({ severity: 'ignored', path: expect.stringContaining('allow_origin_string_match[0].safe_regex.regex') }));
  });

  test('direct response: fault-injection aborts with the statuses, content-type via response-rewrite', async () => {
    const f = await fixture('envoy-gateway/http-route-direct-response.routes.yaml');
    expect(f.routes).toHaveLength(5);
    const aborts = f.routes.map((r) => (r.plugins!['fault-injection'] as { abort: { http_status: number } }).abort.http_status).sort();
    expect(aborts).toEqual([200, 200, 500, 502, 502]);
    for (const r of f.routes) expect(r.hosts).toEqual(['*.envoyproxy.io']);
    const logo = f.routes.find((r) => r.uris?.[0] === '/logo*')!;
    expect(logo.plugins!['response-rewrite']).toEqual({ headers: { set: { 'content-type': 'image/png' } } });
    expectSameDecisions(f, f.xds.routeConfigurations[0]!, 80);
  });

  test('multiple matches: exact and wildcard hosts, query match, terminal routes, same decisions as Envoy', async () => {
    const f = await fixture('envoy-gateway/http-route-multiple-matches.routes.yaml');
    const hosts = new Set(f.routes.flatMap((r) => r.hosts ?? ['(none)']));
    expect(hosts).toEqual(new Set(['example.com', 'example.net', '*.com', '*.net', '(none)']));
    expect(f.routes.find((r) => r.vars?.some((v) => (v as unknown[])[0] === 'arg_debug'))!.vars).toContainEqual(['arg_debug', '==', 'yes']);
    expect(f.routes.filter((r) => r.name?.endsWith('#no-route')).map((r) => r.hosts![0]).sort()).toEqual(['*.com', '*.net', 'example.com', 'example.net']);
    expectSameDecisions(f, f.xds.routeConfigurations[0]!, 80);
  });

  test('regex: path, header and query regexes as anchored vars', async () => {
    const f = await fixture('envoy-gateway/http-route-regex.routes.yaml');
    const r = one(f, 'first-listener/*/regex-route');
    expect(r.uris).toEqual(['/*']);
    expect(r.vars).toEqual([
      ['uri', '~~', '^(?:/v1/.*)$'],
      ['http_re_header', '~~', '^(?:.*)$'],
      ['arg_re_query', '~~', '^(?:.*)$'],
    ]);
  });

  test('rewrite url prefix: proxy-rewrite regex_uri on the matched prefix; order kept for same-key routes', async () => {
    const f = await fixture('envoy-gateway/http-route-rewrite-url-prefix.routes.yaml');
    const r = one(f, 'first-listener/gateway_envoyproxy_io/rewrite-route');
    expect(r.hosts).toEqual(['gateway.envoyproxy.io']);
    expect(r.plugins!['proxy-rewrite']).toEqual({ regex_uri: ['^\\/origin(.*)', '/rewrite$1'] });
    expect(r.priority!).toBeGreaterThan(one(f, 'first-listener/gateway_envoyproxy_io/rewrite-route-timeout').priority!);
    expectSameDecisions(f, f.xds.routeConfigurations[0]!, 80);
  });

  test('weighted backends: traffic-split 8:2; per-cluster headers applied when choice-independent, else reported', async () => {
    const f = await fixture('envoy-gateway/http-route-weighted-backend-with-filters.routes.yaml');
    const r = one(f, 'first-listener/*/second-route');
    const split = r.plugins!['traffic-split'] as { rules: { weighted_upstreams: { upstream_id: string; weight: number }[] }[] };
    expect(split.rules[0]!.weighted_upstreams.map((w) => w.weight)).toEqual([8, 2]);
    expect(new Set(split.rules[0]!.weighted_upstreams.map((w) => w.upstream_id)).size).toBe(2);
    expect(one(f, 'first-listener/*/first-route').plugins!['proxy-rewrite']).toEqual({ headers: { set: { 'add-header-3': 'some-value' } } });
    expect(f.out.report.filter((i) => i.reason.includes('per-cluster header changes')).map((i) => i.path)).toEqual(['virtual_hosts[0].routes[1].route.weighted_clusters.clusters[0]']);
    expectSameDecisions(f, f.xds.routeConfigurations[0]!, 80);
  });

  test('retry: retries and budgets on (variant) upstreams; unsupported retry_on reported', async () => {
    const f = await fixture('envoy-gateway/retry.routes.yaml');
    expect(f.routes).toHaveLength(3);
    const retries = f.routes.map((r) => upstreamOf(f.out.config, r.upstream_id)!.retries);
    expect(retries.every((n) => typeof n === 'number')).toBe(true);
    expect(retries.some((n) => n! > 0)).toBe(true);
    expect(f.out.report.some((i) => i.path.endsWith('retry_policy.retry_on') && i.severity === 'approximated')).toBe(true);
    expectSameDecisions(f, f.xds.routeConfigurations[0]!, 80);
  });
});

describe('Kuma goldens', () => {
  test('MeshHTTPRoute headers match: header conditions in vars, matching route before the default', async () => {
    const f = await fixture('kuma/meshhttproute/headers-match.listeners.golden.yaml');
    const rule = one(f, 'kri_msvc_default___backend_80/kri_mhttpr_default___test-origin_rule_0');
    expect(rule.vars).toEqual([
      ['server_addr', '==', '10.0.0.1'],
      ['server_port', '==', 80],
      ['http_foo_exact', '==', 'bar'],
      ['http_foo_present', '~~', '^'],
      ['http_foo_regex', '~~', '^(?:x.*y)$'],
      ['http_foo_absent', '!', '~~', '^'],
      ['http_foo_prefix', '~~', '^x'],
    ]);
    const fallback = f.routes.find((r) => r !== rule)!;
    expect(rule.priority!).toBeGreaterThan(fallback.priority!);
    for (const rc of allRouteConfigs(f.xds)) expectSameDecisions(f, rc, 80, '10.0.0.1');
  });

  test('MeshHTTPRoute request header modifiers -> proxy-rewrite headers', async () => {
    const f = await fixture('kuma/meshhttproute/request-header-modifiers.listeners.golden.yaml');
    const v1 = f.routes.filter((r) => r.uris?.[0]?.startsWith('/v1'));
    expect(v1.map((r) => r.uris![0]).sort()).toEqual(['/v1', '/v1/*']);
    for (const r of v1) {
      expect(r.plugins!['proxy-rewrite']).toEqual({
        headers: {
          add: { 'request-add-header': 'add-value' },
          set: { 'request-set-header': 'set-value', 'request-set-header-multiple': 'one-value,second-value' },
          remove: ['request-header-to-remove'],
        },
      });
    }
  });

  test.each(['circuitbreaker-outbound/demo-client', 'lb-ringhash/demo-client', 'retry-outbound-route/demo-client', 'timeout-outbound-route/demo-client', 'mtls-inbound-permissive/test-server'])(
    'e2e sidecar %s: outbound routes on port 80, inbound stream route, passthrough reported',
    async (name) => {
      const f = await fixture(`kuma/e2e-sidecar/${name}.golden.json`);
      const outbound = f.routes.filter((r) => r.name?.startsWith('kri_msvc_envoyconfig_kuma-3__test-server_80/'));
      expect(outbound.length).toBeGreaterThan(0);
      for (const r of outbound) expect(r.vars).toContainEqual(['server_port', '==', 80]);
      expect(f.out.config.stream_routes.length).toBeGreaterThan(0);
      expect(f.out.report.some((i) => i.reason.includes('passes through to the original destination'))).toBe(true);
    },
  );

  test('e2e retry-outbound-route: the route retry policy reaches the upstream', async () => {
    const f = await fixture('kuma/e2e-sidecar/retry-outbound-route/demo-client.golden.json');
    const test = f.routes.find((r) => r.uris?.[0] === '/test')!;
    expect(upstreamOf(f.out.config, test.upstream_id)!.retries).toBeGreaterThan(0);
    expect(test.plugins!['proxy-rewrite']).toEqual({ headers: { add: { 'x-test-header': 'added-by-policy' } } });
  });
});

describe('Istio and OSM dumps', () => {
  test('istio sidecar-lds-full (portMatch server_port): inbound routes on their original port, missing RDS reported per listener', async () => {
    const f = await fixture('istio/sidecar-lds-full.configdump.yaml');
    const inbound = named(f, 'inbound|http|8000/default');
    expect(inbound).toHaveLength(1);
    expect(inbound[0]!.vars).toEqual([['server_port', '==', 80]]);
    expect(named(f, 'backend/0').map((r) => [r.uris, r.vars])).toEqual(
      expect.arrayContaining([
        [['/healthz/ready*'], [['server_port', '==', 15021]]],
        [['/stats/prometheus*'], [['server_port', '==', 15090]]],
      ]),
    );
    const missing = f.out.report.filter((i) => i.reason.includes('not received yet'));
    expect(missing.map((i) => i.name)).toEqual(expect.arrayContaining(['0.0.0.0_80', '0.0.0.0_9080']));
    expect(f.out.report.some((i) => i.reason === 'network filter istio.stats not translated')).toBe(true);
  });

  /** The RDS the dump's 0.0.0.0_80 and 0.0.0.0_9080 wait for, as istiod sends them (service vhost + allow_any). */
  const istioOutboundRds = () =>
    [
      ['80', 'backend.default.svc.cluster.local'],
      ['9080', 'reviews.default.svc.cluster.local'],
    ].map(([port, fqdn]) =>
      routeConfig({
        name: port,
        virtualHosts: [
          { name: `${fqdn}:${port}`, domains: [fqdn!, `${fqdn}:${port}`, fqdn!.split('.')[0]!, `${fqdn!.split('.')[0]}:${port}`], routes: [prefixRoute('/', `outbound|${port}||${fqdn}`, { name: 'default' })] },
          { name: 'allow_any', domains: ['*'], routes: [prefixRoute('/', 'PassthroughCluster', { name: 'allow_any' })] },
        ],
      }),
    );

  test('istio sidecar-lds-full behind REDIRECT (portMatch capture): inbound and outbound routes both present, no collisions', async () => {
    const f = await fixture('istio/sidecar-lds-full.configdump.yaml', { portMatch: 'capture' }, istioOutboundRds());
    // virtualInbound's only HTTP port: direction alone (the Host port would be the service port 8000, not 80).
    expect(one(f, 'inbound|http|8000/default').vars).toEqual([['server_port', '==', 15006]]);
    expect(one(f, 'reviews.default.svc.cluster.local:9080/default').vars).toEqual([['server_port', '==', 15001], ['http_host', '~~', ':9080$']]);
    expect(one(f, 'backend.default.svc.cluster.local:80/default').vars).toEqual([
      ['server_port', '==', 15001],
      ['OR', ['http_host', '~~', ':80$'], ['http_host', '!', '~~', ':[0-9]+$']],
    ]);
    expect(f.out.report.filter((i) => /already (used|belongs)/.test(i.reason))).toEqual([]);
    const ask = (authority: string, direction: 'inbound' | 'outbound', port: number) => {
      const req = testRequest(authority, '/', { port, direction });
      const route = apisixRoute(f.routes, captured(req, DEFAULT_CAPTURE_PORTS));
      // Envoy, picking the listener by direction and original port, sends it to the same place.
      expect(apisixActionKey(route, f.out.config, f.clusterOfNode)).toBe(envoyActionKey(envoyRoute(f.xds, req)?.route));
      return route?.name;
    };
    expect(ask('reviews:9080', 'outbound', 9080)).toBe('reviews.default.svc.cluster.local:9080/default');
    expect(ask('backend', 'outbound', 80)).toBe('backend.default.svc.cluster.local:80/default');
    expect(ask('backend:8000', 'inbound', 80)).toBe('inbound|http|8000/default');
    // The incremental translator (the sidecar's) writes the same.
    const incremental = createTranslator({ portMatch: 'capture' });
    expect(JSON.stringify(incremental.translate(f.xds))).toBe(JSON.stringify(f.out));
    expect(JSON.stringify(incremental.translate(f.xds))).toBe(JSON.stringify(f.out));
    // Without the direction in the scope key, the inbound and outbound `*` vhosts collide.
    const none = await fixture('istio/sidecar-lds-full.configdump.yaml', { portMatch: 'none' }, istioOutboundRds());
    expect(none.out.report.some((i) => i.reason.includes("'*' already used by virtual host"))).toBe(true);
  });

  test('osm egress: host route, match-all method regex kept, passthrough chain reported', async () => {
    const f = await fixture('osm/curl_egress.config_dump.json');
    const r = one(f, 'egress_virtual-host|httpbin.org/0');
    expect(r).toMatchObject({ hosts: ['httpbin.org'], uris: ['/*'] });
    expect(upstreamOf(f.out.config, r.upstream_id)?.name).toBe('httpbin.org:80');
    expect(f.out.report.some((i) => i.kind === 'Listener' && i.reason.includes('passes through'))).toBe(true);
  });
});
