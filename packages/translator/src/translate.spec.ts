import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  ClusterLoadAssignmentSchema,
  CorsPolicySchema as RouteCorsPolicySchema,
  FilterChainMatchSchema,
  FilterConfigSchema,
  FilterSchema,
  FractionalPercent_DenominatorType as Denominator,
  HTTPFaultSchema,
  HttpConnectionManagerSchema,
  LocalRateLimitSchema,
  RouteConfigurationSchema,
} from '@amesh/proto';
import { CorsPolicySchema as CorsFilterPolicySchema } from '@amesh/proto/gen/envoy/extensions/filters/http/cors/v3/cors_pb';
import type { ApisixRoute } from './apisix-types.js';
import { upstreamIdFor } from './ids.js';
import { translate, type TranslateOptions } from './translate.js';
import { apisixRoute } from './testing/strict-match.js';
import { schemaViolations } from './testing/schema-check.js';
import { captured, type MatchRequest } from './matching/index.js';
import { DownstreamTlsContextSchema } from '@amesh/proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb';
import { TrafficDirection } from '@amesh/proto/gen/envoy/config/core/v3/base_pb';
import { parsePortMatch } from './listener-scope.js';
import { virtualInbound } from './testing/inbound-listener.js';
import {
  edsCluster,
  httpListener,
  inlineHttpListener,
  prefixRoute,
  resources,
  routeConfig,
  staticCluster,
  tcpListener,
  type RouteInit,
  type VirtualHostInit,
} from './testing/xds-builders.js';
import type { XdsResources } from './xds-resources.js';
import { testRequest } from './testing/test-request.js';

const CLUSTERS = ['c0', 'c1', 'c2'].map((c, i) => staticCluster(c, `10.0.0.${i + 1}`));

/** Translates, requires schema validity of everything emitted, and returns the result. */
function run(xds: XdsResources, options?: TranslateOptions) {
  const out = translate(xds, options);
  expect(schemaViolations(out.config)).toEqual([]);
  return out;
}

/** One RDS "80" with the given vhosts, served by 0.0.0.0_80. */
function mesh80(virtualHosts: VirtualHostInit[], extra: Partial<XdsResources> = {}): XdsResources {
  return resources({ listeners: [httpListener(80, '80')], routeConfigurations: [routeConfig({ name: '80', virtualHosts })], clusters: CLUSTERS, ...extra });
}

/** The routes of one vhost `a` on a.example with the given routes. */
function routesOf(routes: RouteInit[], vhost: Partial<VirtualHostInit> = {}) {
  const out = run(mesh80([{ name: 'a', domains: ['a.example', 'a.example:80'], routes, ...vhost } as VirtualHostInit]));
  return { ...out, routes: out.config.routes };
}

function only(routes: ApisixRoute[]): ApisixRoute {
  expect(routes).toHaveLength(1);
  return routes[0]!;
}

const req = (path: string, extra: Partial<MatchRequest> = {}): MatchRequest => testRequest('a.example', path, extra);

describe('domains -> hosts', () => {
  test('ports are stripped, duplicates merged, `*.x` kept, `*` gives host-less routes', () => {
    const { config, report } = run(
      mesh80([
        { name: 'a', domains: ['A.example', 'a.example:80', '*.svc.local', '*.svc.local:80'], routes: [prefixRoute('/', 'c0')] },
        { name: 'any', domains: ['*'], routes: [prefixRoute('/', 'c1')] },
      ]),
    );
    const a = config.routes.find((r) => r.name === 'a/0')!;
    expect(a.hosts).toEqual(['a.example', '*.svc.local']);
    const any = config.routes.find((r) => r.name === 'any/0')!;
    expect(any.hosts).toBeUndefined();
    expect(report).toEqual([]);
  });

  test('trailing wildcard domains are reported; a vhost with no usable domain is dropped', () => {
    const { config, report } = run(mesh80([{ name: 'p', domains: ['api.*'], routes: [prefixRoute('/', 'c0')] }]));
    expect(config.routes).toEqual([]);
    expect(report.map((r) => [r.path, r.severity])).toEqual([
      ['virtual_hosts[0]', 'dropped'],
      ['virtual_hosts[0].domains[0]', 'ignored'],
    ]);
  });

  test('a bare domain without its :port form is reported as approximated', () => {
    const { report } = run(mesh80([{ name: 'a', domains: ['a.example'], routes: [prefixRoute('/', 'c0')] }]));
    expect(report).toEqual([expect.objectContaining({ path: 'virtual_hosts[0].domains', severity: 'approximated' })]);
  });

  test('a host claimed by two vhosts of one port stays with the first', () => {
    const { config, report } = run(
      mesh80([
        { name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/', 'c0')] },
        { name: 'b', domains: ['a.example:80', 'b.example', 'b.example:80'], routes: [prefixRoute('/', 'c1')] },
      ]),
    );
    expect(config.routes.find((r) => r.name === 'b/0')!.hosts).toEqual(['b.example']);
    expect(report.some((r) => r.path === 'virtual_hosts[1].domains[0]' && /already belongs/.test(r.reason))).toBe(true);
  });
});

describe('path matching', () => {
  test('prefix -> `p*`, path -> exact uri, prefix "" and "/" -> `/*`', () => {
    const { routes } = routesOf([
      prefixRoute('/api', 'c0'),
      { match: { pathSpecifier: { case: 'path', value: '/exact' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c1' } } } },
      prefixRoute('', 'c2'),
    ]);
    const byName = Object.fromEntries(routes.map((r) => [r.name, r]));
    expect(byName['a/0']!.uris).toEqual(['/api*']);
    expect(byName['a/1']!.uris).toEqual(['/exact']);
    expect(byName['a/2']!.uris).toEqual(['/*']);
    // Descending priority in list order.
    expect([byName['a/0']!.priority, byName['a/1']!.priority, byName['a/2']!.priority]).toEqual([3, 2, 1]);
  });

  test('path_separated_prefix: key plus a separator condition', () => {
    const r = only(routesOf([{ match: { pathSpecifier: { case: 'pathSeparatedPrefix', value: '/api' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } }]).routes);
    expect(r.uris).toEqual(['/api*']);
    expect(r.vars).toContainEqual(['uri', '~~', '^\\/api(?:/|$)']);
    expect(apisixRoute([r], req('/api'))).toBe(r);
    expect(apisixRoute([r], req('/api/x'))).toBe(r);
    expect(apisixRoute([r], req('/apix'))).toBeUndefined();
  });

  test('safe_regex -> `~~` full match on uri; case_sensitive=false -> `~*` with quoted literal', () => {
    const { routes } = routesOf([
      { match: { pathSpecifier: { case: 'safeRegex', value: { regex: '/v[0-9]+/.*' } } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } },
      { match: { pathSpecifier: { case: 'prefix', value: '/A.b' }, caseSensitive: false }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c1' } } } },
    ]);
    const [re, ci] = [routes.find((r) => r.name === 'a/0')!, routes.find((r) => r.name === 'a/1')!];
    expect(re.uris).toEqual(['/*']);
    expect(re.vars).toContainEqual(['uri', '~~', '^(?:/v[0-9]+/.*)$']);
    expect(ci.vars).toContainEqual(['uri', '~*', '^\\/A\\.b']);
    expect(apisixRoute(routes, req('/a.B/x'))).toBe(ci);
    expect(apisixRoute(routes, req('/aXb/x'))).toBeUndefined();
  });

  test('a regex PCRE would read differently is refused and the route dropped, not its vhost', () => {
    const { routes, report } = routesOf([
      { match: { pathSpecifier: { case: 'safeRegex', value: { regex: '(a)\\1' } } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } },
      prefixRoute('/', 'c1'),
    ]);
    expect(only(routes).name).toBe('a/1');
    expect(report).toEqual([expect.objectContaining({ path: 'virtual_hosts[0].routes[0].match', severity: 'dropped' })]);
  });
});

describe('headers and query parameters -> vars', () => {
  /** The one route of a vhost with this match, its vars without the leading port condition. */
  const h = (spec: RouteInit['match']) => {
    const r = only(routesOf([{ match: spec, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } }]).routes);
    expect(r.vars![0]).toEqual(['server_port', '==', 80]);
    return { ...r, vars: r.vars!.slice(1), full: r };
  };

  test('exact/prefix/suffix/contains/regex/present with escaping', () => {
    const r = h({
      pathSpecifier: { case: 'prefix', value: '/' },
      headers: [
        { name: 'X-Exact', headerMatchSpecifier: { case: 'exactMatch', value: 'a.b' } },
        { name: 'x-prefix', headerMatchSpecifier: { case: 'prefixMatch', value: 'a+(b' } },
        { name: 'x-suffix', headerMatchSpecifier: { case: 'suffixMatch', value: '$x' } },
        { name: 'x-contains', headerMatchSpecifier: { case: 'containsMatch', value: '[*]' } },
        { name: 'x-re', headerMatchSpecifier: { case: 'safeRegexMatch', value: { regex: 'v[12]' } } },
        { name: 'x-present', headerMatchSpecifier: { case: 'presentMatch', value: true } },
        { name: ':method', headerMatchSpecifier: { case: 'exactMatch', value: 'POST' } },
      ],
    });
    expect(r.vars).toEqual([
      ['http_x_exact', '==', 'a.b'],
      ['http_x_prefix', '~~', '^a\\+\\(b'],
      ['http_x_suffix', '~~', '\\$x$'],
      ['http_x_contains', '~~', '\\[\\*\\]'],
      ['http_x_re', '~~', '^(?:v[12])$'],
      ['http_x_present', '~~', '^'],
      ['request_method', '==', 'POST'],
    ]);
    const ok = { 'x-exact': 'a.b', 'x-prefix': 'a+(bc', 'x-suffix': 'q$x', 'x-contains': 'z[*]z', 'x-re': 'v2', 'x-present': '' };
    expect(apisixRoute([r.full], req('/', { method: 'POST', headers: ok }))).toBe(r.full);
    expect(apisixRoute([r.full], req('/', { method: 'POST', headers: { ...ok, 'x-prefix': 'aa(b' } }))).toBeUndefined();
    expect(apisixRoute([r.full], req('/', { method: 'POST', headers: { ...ok, 'x-re': 'v3' } }))).toBeUndefined();
  });

  test('invert_match needs the header present (Envoy: a missing header fails inverted matchers)', () => {
    const r = h({ pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'x-a', invertMatch: true, headerMatchSpecifier: { case: 'exactMatch', value: '1' } }] });
    expect(r.vars).toEqual([
      ['http_x_a', '~~', '^'],
      ['http_x_a', '!', '==', '1'],
    ]);
    expect(apisixRoute([r.full], req('/', { headers: { 'x-a': '2' } }))).toBe(r.full);
    expect(apisixRoute([r.full], req('/', { headers: { 'x-a': '1' } }))).toBeUndefined();
    expect(apisixRoute([r.full], req('/'))).toBeUndefined();
  });

  test('present_match false and inverted present_match mean "absent"', () => {
    const r = h({
      pathSpecifier: { case: 'prefix', value: '/' },
      headers: [
        { name: 'x-a', headerMatchSpecifier: { case: 'presentMatch', value: false } },
        { name: 'x-b', invertMatch: true, headerMatchSpecifier: { case: 'presentMatch', value: true } },
      ],
    });
    expect(r.vars).toEqual([
      ['http_x_a', '!', '~~', '^'],
      ['http_x_b', '!', '~~', '^'],
    ]);
  });

  test('string_match with ignore_case -> `~*` on a quoted literal', () => {
    const r = h({
      pathSpecifier: { case: 'prefix', value: '/' },
      headers: [{ name: 'x-a', headerMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'exact', value: 'A.b' }, ignoreCase: true } } }],
    });
    expect(r.vars).toEqual([['http_x_a', '~*', '^A\\.b$']]);
    expect(apisixRoute([r.full], req('/', { headers: { 'x-a': 'a.B' } }))).toBe(r.full);
    expect(apisixRoute([r.full], req('/', { headers: { 'x-a': 'aXb' } }))).toBeUndefined();
  });

  test('query parameters: string match and presence', () => {
    const r = h({
      pathSpecifier: { case: 'prefix', value: '/' },
      queryParameters: [
        { name: 'v', queryParameterMatchSpecifier: { case: 'stringMatch', value: { matchPattern: { case: 'prefix', value: '1.' } } } },
        { name: 'debug', queryParameterMatchSpecifier: { case: 'presentMatch', value: true } },
      ],
    });
    expect(r.vars).toEqual([
      ['arg_v', '~~', '^1\\.'],
      ['arg_debug', '~~', '^'],
    ]);
  });

  test('a header name nginx cannot read drops the route with a reason', () => {
    const { routes, report } = routesOf([
      { match: { pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'x a', headerMatchSpecifier: { case: 'exactMatch', value: '1' } }] }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } },
    ]);
    expect(routes).toEqual([]);
    expect(report.map((r) => r.path)).toContain('virtual_hosts[0].routes[0].match.headers[0].name');
  });
});

describe('Envoy order under radixtree order', () => {
  test('no shadowing possible: native keys, no path vars', () => {
    const { routes } = routesOf([prefixRoute('/api/v1', 'c0'), prefixRoute('/api', 'c1'), prefixRoute('/', 'c2')]);
    expect(routes.map((r) => r.uris)).toEqual(expect.arrayContaining([['/api/v1*'], ['/api*'], ['/*']]));
  });

  test('a later, longer prefix would overtake an earlier one: the vhost goes to one key with priorities', () => {
    const { routes } = routesOf([prefixRoute('/api', 'c0'), prefixRoute('/api/v1', 'c1')]);
    const [first, second] = [routes.find((r) => r.name === 'a/0')!, routes.find((r) => r.name === 'a/1')!];
    expect(first.uris).toEqual(['/*']);
    expect(second.uris).toEqual(['/*']);
    expect(first.priority!).toBeGreaterThan(second.priority!);
    // Envoy: /api/v1/x hits the first route (prefix /api); so must APISIX.
    expect(apisixRoute(routes, req('/api/v1/x'))).toBe(first);
  });
});

describe('actions', () => {
  test('weighted_clusters -> traffic-split with upstream ids and weights; zero weights left out', () => {
    const r = only(
      routesOf([
        {
          match: { pathSpecifier: { case: 'prefix', value: '/' } },
          action: { case: 'route', value: { clusterSpecifier: { case: 'weightedClusters', value: { clusters: [{ name: 'c0', weight: 80 }, { name: 'c1', weight: 20 }, { name: 'c2', weight: 0 }] } } } },
        },
      ]).routes,
    );
    expect(r.upstream_id).toBe(upstreamIdFor('c0'));
    expect(r.plugins!['traffic-split']).toEqual({
      rules: [{ weighted_upstreams: [{ upstream_id: upstreamIdFor('c0'), weight: 80 }, { upstream_id: upstreamIdFor('c1'), weight: 20 }] }],
    });
  });

  test('weighted clusters with a single positive weight need no traffic-split; total_weight mismatch reported', () => {
    const { routes, report } = routesOf([
      {
        match: { pathSpecifier: { case: 'prefix', value: '/' } },
        action: { case: 'route', value: { clusterSpecifier: { case: 'weightedClusters', value: { clusters: [{ name: 'c1', weight: 5 }, { name: 'c2', weight: 0 }], totalWeight: 100 } } } },
      },
    ]);
    const r = only(routes);
    expect(r.upstream_id).toBe(upstreamIdFor('c1'));
    expect(r.plugins?.['traffic-split']).toBeUndefined();
    expect(report.map((x) => x.path)).toContain('virtual_hosts[0].routes[0].route.weighted_clusters.total_weight');
  });

  test('all weights zero: route dropped', () => {
    const { routes, report } = routesOf([
      { match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'weightedClusters', value: { clusters: [{ name: 'c1', weight: 0 }] } } } } },
    ]);
    expect(routes).toEqual([]);
    expect(report[0]).toMatchObject({ severity: 'dropped', path: 'virtual_hosts[0].routes[0].route.weighted_clusters' });
  });

  test('redirect -> redirect plugin (https, host, path, code, strip_query)', () => {
    const { routes } = routesOf([
      { match: { pathSpecifier: { case: 'path', value: '/old' } }, action: { case: 'redirect', value: { schemeRewriteSpecifier: { case: 'httpsRedirect', value: true }, hostRedirect: 'new.example', pathRewriteSpecifier: { case: 'pathRedirect', value: '/new' }, responseCode: 4, stripQuery: true } } },
      { match: { pathSpecifier: { case: 'prefix', value: '/p/' } }, action: { case: 'redirect', value: { pathRewriteSpecifier: { case: 'prefixRewrite', value: '/q/' } } } },
    ]);
    expect(routes.find((r) => r.name === 'a/0')!.plugins!.redirect).toEqual({ ret_code: 308, uri: 'https://new.example/new' });
    expect(routes.find((r) => r.name === 'a/1')!.plugins!.redirect).toEqual({ ret_code: 301, regex_uri: ['^\\/p\\/(.*)$', '$scheme://$host/q/$1'], append_query_string: true });
  });

  test('direct_response -> fault-injection abort 100% with status and body', () => {
    const r = only(routesOf([{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'directResponse', value: { status: 403, body: { specifier: { case: 'inlineString', value: 'no' } } } } }]).routes);
    expect(r.plugins).toEqual({ 'fault-injection': { abort: { http_status: 403, body: 'no', percentage: 100 } } });
    expect(r.upstream_id).toBeUndefined();
  });

  test('direct_response with a status below 200 is dropped', () => {
    const { routes, report } = routesOf([{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'directResponse', value: { status: 101 } } }]);
    expect(routes).toEqual([]);
    expect(report[0]).toMatchObject({ severity: 'dropped', path: 'virtual_hosts[0].routes[0].direct_response.status' });
  });

  test('rewrites -> proxy-rewrite; auto_host_rewrite -> pass_host node', () => {
    const { routes, config } = routesOf([
      prefixRoute('/api/', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, prefixRewrite: '/', hostRewriteSpecifier: { case: 'hostRewriteLiteral', value: 'backend.local' } } } }),
      { match: { pathSpecifier: { case: 'path', value: '/x' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c1' }, prefixRewrite: '/y' } } },
      prefixRoute('/r', 'c2', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c2' }, regexRewrite: { pattern: { regex: '^/r/(\\d+)$' }, substitution: '/s/\\1' }, hostRewriteSpecifier: { case: 'autoHostRewrite', value: { value: true } } } } }),
    ]);
    const by = (n: string) => routes.find((r) => r.name === n)!;
    expect(by('a/0').plugins!['proxy-rewrite']).toEqual({ regex_uri: ['^\\/api\\/(.*)', '/$1'], host: 'backend.local' });
    expect(by('a/1').plugins!['proxy-rewrite']).toEqual({ uri: '/y' });
    expect(by('a/2').plugins!['proxy-rewrite']).toEqual({ regex_uri: ['^/r/(\\d+)$', '/s/$1'] });
    expect(config.upstreams.find((u) => u.id === upstreamIdFor('c2'))!.pass_host).toBe('node');
  });

  test('request/response headers at route, vhost and route configuration level', () => {
    const xds = resources({
      listeners: [httpListener(80, '80')],
      clusters: CLUSTERS,
      routeConfigurations: [
        create(RouteConfigurationSchema, {
          name: '80',
          requestHeadersToAdd: [{ header: { key: 'x-rc', value: 'rc' }, appendAction: 2 }],
          virtualHosts: [
            {
              name: 'a',
              domains: ['a.example', 'a.example:80'],
              requestHeadersToAdd: [{ header: { key: 'x-vh', value: 'vh' }, appendAction: 0 }],
              responseHeadersToRemove: ['server'],
              routes: [
                prefixRoute('/', 'c0', {
                  requestHeadersToAdd: [{ header: { key: 'X-Route', value: 'r' }, appendAction: 2 }],
                  requestHeadersToRemove: ['x-drop'],
                  responseHeadersToAdd: [{ header: { key: 'x-resp', value: 'v' }, appendAction: 0 }],
                }),
              ],
            },
          ],
        }),
      ],
    });
    const r = only(run(xds).config.routes);
    expect(r.plugins!['proxy-rewrite']).toEqual({ headers: { add: { 'x-vh': 'vh' }, set: { 'x-route': 'r', 'x-rc': 'rc' }, remove: ['x-drop'] } });
    expect(r.plugins!['response-rewrite']).toEqual({ headers: { add: ['x-resp: v'], remove: ['server'] } });
  });

  test('weighted-cluster headers: applied when every positive cluster has the same, reported otherwise', () => {
    const wc = (same: boolean) =>
      only(
        routesOf([
          {
            match: { pathSpecifier: { case: 'prefix', value: '/' } },
            action: {
              case: 'route',
              value: {
                clusterSpecifier: {
                  case: 'weightedClusters',
                  value: {
                    clusters: [
                      { name: 'c0', weight: 1, requestHeadersToAdd: [{ header: { key: 'x-w', value: '1' }, appendAction: 2 }] },
                      { name: 'c1', weight: 1, requestHeadersToAdd: [{ header: { key: 'x-w', value: same ? '1' : '2' }, appendAction: 2 }] },
                      { name: 'c2', weight: 0, responseHeadersToRemove: ['x-zero-weight-does-not-count'] },
                    ],
                  },
                },
              },
            },
          },
        ]).routes,
      );
    expect(wc(true).plugins!['proxy-rewrite']).toEqual({ headers: { set: { 'x-w': '1' } } });
    expect(wc(false).plugins!['proxy-rewrite']).toBeUndefined();
  });

  test('header values with Envoy formatters are reported, not copied', () => {
    const { routes, report } = routesOf([prefixRoute('/', 'c0', { requestHeadersToAdd: [{ header: { key: 'x-peer', value: '%DOWNSTREAM_REMOTE_ADDRESS%' } }] })]);
    expect(only(routes).plugins?.['proxy-rewrite']).toBeUndefined();
    expect(report[0]).toMatchObject({ path: 'virtual_hosts[0].routes[0].request_headers_to_add[0].header.value', severity: 'ignored' });
  });

  test('request_mirror_policies -> proxy-mirror on the mirror cluster endpoint with sample ratio', () => {
    const r = only(
      routesOf([
        prefixRoute('/', 'c0', {
          action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, requestMirrorPolicies: [{ cluster: 'c1', runtimeFraction: { defaultValue: { numerator: 25, denominator: Denominator.HUNDRED } } }] } },
        }),
      ]).routes,
    );
    expect(r.plugins!['proxy-mirror']).toEqual({ host: 'http://10.0.0.2:8080', sample_ratio: 0.25 });
  });

  test('timeouts: route timeout and idle timeout -> route timeout; unset -> Envoy default 15 s; 0 -> none', () => {
    const { routes } = routesOf([
      prefixRoute('/a', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, timeout: { seconds: 30n, nanos: 0 }, idleTimeout: { seconds: 5n, nanos: 0 } } } }),
      prefixRoute('/b', 'c0'),
      prefixRoute('/c', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, timeout: { seconds: 0n, nanos: 0 } } } }),
    ]);
    const by = (n: string) => routes.find((r) => r.name === n)!;
    expect(by('a/0').timeout).toEqual({ connect: 1, send: 5, read: 5 });
    expect(by('a/1').timeout).toEqual({ connect: 1, send: 15, read: 15 });
    expect(by('a/2').timeout).toBeUndefined();
  });

  test('retry policies: the most used one goes on the base upstream, others get variants', () => {
    const retry = (n: number) => ({ retryOn: 'connect-failure', numRetries: n, perTryTimeout: { seconds: 2n, nanos: 0 } });
    const { routes, config, report } = routesOf([
      prefixRoute('/a', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, retryPolicy: retry(2) } } }),
      prefixRoute('/b', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, retryPolicy: retry(2) } } }),
      prefixRoute('/c', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, retryPolicy: retry(5) } } }),
      prefixRoute('/d', 'c0'),
    ]);
    const by = (n: string) => routes.find((r) => r.name === n)!;
    const up = (id: string | undefined) => config.upstreams.find((u) => u.id === id)!;
    expect(by('a/0').upstream_id).toBe(upstreamIdFor('c0'));
    expect(by('a/1').upstream_id).toBe(upstreamIdFor('c0'));
    expect(up(upstreamIdFor('c0'))).toMatchObject({ retries: 2, retry_timeout: 6 });
    expect(up(by('a/2').upstream_id)).toMatchObject({ retries: 5, retry_timeout: 12, nodes: up(upstreamIdFor('c0')).nodes });
    expect(up(by('a/3').upstream_id)).toMatchObject({ retries: 0 });
    expect(up(by('a/3').upstream_id).retry_timeout).toBeUndefined();
    expect(new Set(routes.map((r) => r.upstream_id)).size).toBe(3);
    expect(report.filter((r) => r.path.endsWith('per_try_timeout')).length).toBe(3);
  });

  test('hash_policy -> chash variant on a RING_HASH cluster; ignored (reported) on round robin', () => {
    const ring = staticCluster('ring', '10.0.9.1');
    ring.lbPolicy = 2; // RING_HASH
    const hashRoute = (cluster: string, hp: object) => prefixRoute('/', cluster, { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster }, hashPolicy: [hp] } } } as Partial<RouteInit>);
    const { config, report } = run(
      mesh80(
        [
          { name: 'a', domains: ['a.example', 'a.example:80'], routes: [hashRoute('ring', { policySpecifier: { case: 'header', value: { headerName: 'X-User' } } })] },
          { name: 'b', domains: ['b.example', 'b.example:80'], routes: [hashRoute('c0', { policySpecifier: { case: 'cookie', value: { name: 'sid' } } })] },
        ],
        { clusters: [...CLUSTERS, ring] },
      ),
    );
    const a = config.routes.find((r) => r.name === 'a/0')!;
    expect(config.upstreams.find((u) => u.id === a.upstream_id)).toMatchObject({ type: 'chash', hash_on: 'header', key: 'x-user' });
    expect(report.some((r) => r.path === 'virtual_hosts[1].routes[0].route.hash_policy' && r.severity === 'ignored')).toBe(true);
  });

  test('websocket upgrade -> enable_websocket', () => {
    const r = only(routesOf([prefixRoute('/', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, upgradeConfigs: [{ upgradeType: 'websocket' }] } } })]).routes);
    expect(r.enable_websocket).toBe(true);
  });
});

describe('typed_per_filter_config', () => {
  const fault = (pct: number, denominator: Denominator) =>
    anyPack(HTTPFaultSchema, create(HTTPFaultSchema, {
      abort: { errorType: { case: 'httpStatus', value: 503 }, percentage: { numerator: pct, denominator } },
      delay: { faultDelaySecifier: { case: 'fixedDelay', value: { seconds: 1n, nanos: 500_000_000 } }, percentage: { numerator: pct, denominator } },
    }));

  test.each([
    [Denominator.HUNDRED, 25, 25, true],
    [Denominator.TEN_THOUSAND, 2500, 25, true],
    [Denominator.MILLION, 250_000, 25, true],
    [Denominator.TEN_THOUSAND, 1, 0, false],
    [Denominator.MILLION, 5_000, 1, false],
  ])('fault -> fault-injection, denominator %s numerator %s -> %s%%', (denominator, numerator, expected, exact) => {
    const { routes, report } = routesOf([prefixRoute('/', 'c0', { typedPerFilterConfig: { 'envoy.filters.http.fault': fault(numerator, denominator) } })]);
    const plugin = only(routes).plugins?.['fault-injection'];
    if (expected === 0) expect(plugin).toBeUndefined();
    else expect(plugin).toEqual({ abort: { http_status: 503, percentage: expected }, delay: { duration: 1.5, percentage: expected } });
    expect(report.filter((r) => r.severity === 'approximated').length).toBe(exact ? 0 : 2);
  });

  test('FilterConfig wrapper is unwrapped; disabled removes the vhost-level filter', () => {
    const wrapped = anyPack(FilterConfigSchema, create(FilterConfigSchema, { config: fault(100, Denominator.HUNDRED) }));
    const disabled = anyPack(FilterConfigSchema, create(FilterConfigSchema, { disabled: true }));
    const { routes } = routesOf([prefixRoute('/a', 'c0'), prefixRoute('/b', 'c0', { typedPerFilterConfig: { 'envoy.filters.http.fault': disabled } })], {
      typedPerFilterConfig: { 'envoy.filters.http.fault': wrapped },
    });
    expect(routes.find((r) => r.name === 'a/0')!.plugins!['fault-injection']).toBeDefined();
    expect(routes.find((r) => r.name === 'a/1')!.plugins?.['fault-injection']).toBeUndefined();
  });

  test('cors filter config -> cors plugin (exact origins and regexes)', () => {
    const cors = anyPack(CorsFilterPolicySchema, create(CorsFilterPolicySchema, {
      allowOriginStringMatch: [{ matchPattern: { case: 'exact', value: 'https://a.example' } }, { matchPattern: { case: 'suffix', value: '.b.example' } }],
      allowMethods: 'GET, POST',
      allowHeaders: 'x-a',
      maxAge: '600',
      allowCredentials: true,
    }));
    const r = only(routesOf([prefixRoute('/', 'c0', { typedPerFilterConfig: { 'envoy.filters.http.cors': cors } })]).routes);
    expect(r.plugins!.cors).toEqual({
      allow_origins: 'https://a.example',
      allow_origins_by_regex: ['\\.b\\.example$'],
      allow_methods: 'GET,POST',
      allow_headers: 'x-a',
      max_age: 600,
      allow_credential: true,
    });
  });

  test('route-level CorsPolicy (deprecated form) also becomes cors', () => {
    const policy = create(RouteCorsPolicySchema, { allowOriginStringMatch: [{ matchPattern: { case: 'exact', value: '*' } }] });
    const r = only(routesOf([prefixRoute('/', 'c0', { action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' }, cors: policy } } })]).routes);
    expect(r.plugins!.cors).toMatchObject({ allow_origins: '*' });
  });

  test('local_ratelimit -> limit-count (fixed window, reported approximated)', () => {
    const rl = anyPack(LocalRateLimitSchema, create(LocalRateLimitSchema, {
      statPrefix: 'rl',
      tokenBucket: { maxTokens: 10, tokensPerFill: 5, fillInterval: { seconds: 60n, nanos: 0 } },
      filterEnabled: { defaultValue: { numerator: 100, denominator: Denominator.HUNDRED }, runtimeKey: 'x' },
      filterEnforced: { defaultValue: { numerator: 100, denominator: Denominator.HUNDRED }, runtimeKey: 'y' },
      status: { code: 429 },
    }));
    const { routes, report } = routesOf([prefixRoute('/', 'c0', { typedPerFilterConfig: { 'envoy.filters.http.local_ratelimit': rl } })]);
    expect(only(routes).plugins!['limit-count']).toEqual({ count: 5, time_window: 60, key_type: 'constant', key: 'route', rejected_code: 429, policy: 'local' });
    expect(report.some((r) => r.severity === 'approximated' && r.path.includes('token_bucket'))).toBe(true);
  });

  test('unknown per-filter configs are reported', () => {
    const { report } = routesOf([prefixRoute('/', 'c0', { typedPerFilterConfig: { 'x.custom': { typeUrl: 'type.googleapis.com/x.Custom', value: new Uint8Array() } } })]);
    expect(report[0]).toMatchObject({ severity: 'ignored', path: 'virtual_hosts[0].routes[0].typed_per_filter_config["x.custom"]' });
  });
});

describe('completeness gate', () => {
  test('a route whose cluster has no endpoints yet, or is unknown, is dropped alone', () => {
    const { config, report } = run(
      mesh80(
        [{ name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/eds', 'eds'), prefixRoute('/nope', 'nope'), prefixRoute('/', 'c0')] }],
        { clusters: [...CLUSTERS, edsCluster('eds')] },
      ),
    );
    expect(config.routes.map((r) => r.name)).toEqual(['a/2']);
    expect(report.filter((r) => r.severity === 'dropped').map((r) => [r.path, r.reason])).toEqual([
      ['virtual_hosts[0].routes[0].route.cluster', 'cluster eds has no endpoints yet'],
      ['virtual_hosts[0].routes[1].route.cluster', 'cluster nope is unknown'],
    ]);
    expect(config.upstreams.map((u) => u.name)).not.toContain('eds');
  });

  test('an empty cluster (assignment with no endpoints) is complete: the route stays, APISIX answers 503 as Envoy does', () => {
    const { config } = run(
      mesh80([{ name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/', 'eds')] }], {
        clusters: [edsCluster('eds')],
        clusterLoadAssignments: [create(ClusterLoadAssignmentSchema, { clusterName: 'eds', endpoints: [] })],
      }),
    );
    expect(only(config.routes).upstream_id).toBe(upstreamIdFor('eds'));
    expect(config.upstreams.find((u) => u.id === upstreamIdFor('eds'))!.nodes).toEqual([]);
  });

  test('a missing RDS is reported on the listener', () => {
    const { config, report } = run(resources({ listeners: [httpListener(80, '80')], clusters: CLUSTERS }));
    expect(config.routes).toEqual([]);
    expect(report).toEqual([expect.objectContaining({ kind: 'Listener', name: '0.0.0.0_80', severity: 'dropped' })]);
  });
});

describe('listener ports', () => {
  const twoPorts = () =>
    resources({
      listeners: [httpListener(80, '80'), httpListener(8080, '8080')],
      routeConfigurations: [
        routeConfig({ name: '80', virtualHosts: [{ name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/', 'c0')] }] }),
        routeConfig({ name: '8080', virtualHosts: [{ name: 'a', domains: ['a.example', 'a.example:8080'], routes: [prefixRoute('/', 'c1')] }] }),
      ],
      clusters: CLUSTERS,
    });

  test('routes of different ports never collide: distinct ids and a server_port condition', () => {
    const { config } = run(twoPorts());
    expect(config.routes).toHaveLength(2);
    expect(new Set(config.routes.map((r) => r.id)).size).toBe(2);
    const on = (port: number) => apisixRoute(config.routes, req('/', { port }))?.upstream_id;
    expect(on(80)).toBe(upstreamIdFor('c0'));
    expect(on(8080)).toBe(upstreamIdFor('c1'));
  });

  test("portMatch 'none' drops the condition (single-port meshes): both ports then reach one route", () => {
    const { config } = run(twoPorts(), { portMatch: 'none' });
    expect(config.routes.every((r) => r.vars === undefined)).toBe(true);
    const on = (port: number) => apisixRoute(config.routes, req('/', { port }))?.upstream_id;
    expect(on(80)).toBe(on(8080));
  });

  test('filter_chain_match.destination_port gives the port (virtualInbound style), inline route_config', () => {
    const l = inlineHttpListener('virtualInbound', 15006, { name: 'inbound|9080||', virtualHosts: [{ name: 'inbound', domains: ['*'], routes: [prefixRoute('/', 'c0')] }] });
    l.filterChains[0]!.filterChainMatch = create(FilterChainMatchSchema, { destinationPort: 9080 });
    const r = only(run(resources({ listeners: [l], clusters: CLUSTERS })).config.routes);
    expect(r.vars).toEqual([['server_port', '==', 9080]]);
    expect(r.hosts).toBeUndefined();
  });

  test('a listener bound to one address (Kuma <vip>:<port>) is told apart by server_addr; the wildcard one excludes it', () => {
    const { config } = run(
      resources({
        listeners: [httpListener(80, 'vip', '240.0.0.1_80', '240.0.0.1'), httpListener(80, 'any')],
        routeConfigurations: [
          routeConfig({ name: 'vip', virtualHosts: [{ name: 'v', domains: ['*'], routes: [prefixRoute('/', 'c0')] }] }),
          routeConfig({ name: 'any', virtualHosts: [{ name: 'w', domains: ['*'], routes: [prefixRoute('/', 'c1')] }] }),
        ],
        clusters: CLUSTERS,
      }),
    );
    expect(config.routes.map((r) => r.vars)).toEqual(
      expect.arrayContaining([
        [['server_addr', '==', '240.0.0.1'], ['server_port', '==', 80]],
        [['server_addr', '!', '==', '240.0.0.1'], ['server_port', '==', 80]],
      ]),
    );
    expect(apisixRoute(config.routes, req('/', { address: '240.0.0.1' }))?.upstream_id).toBe(upstreamIdFor('c0'));
    expect(apisixRoute(config.routes, req('/', { address: '10.1.1.1' }))?.upstream_id).toBe(upstreamIdFor('c1'));
  });

  test('no fallthrough: a hosted vhost without a catch-all gets a terminal 404 when host-less routes exist', () => {
    const { config } = run(
      mesh80([
        { name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/api', 'c0')] },
        { name: 'any', domains: ['*'], routes: [prefixRoute('/', 'c1')] },
      ]),
    );
    const terminal = config.routes.find((r) => r.name === 'a/#no-route')!;
    expect(terminal).toMatchObject({ hosts: ['a.example'], uris: ['/*'], priority: -1, plugins: { 'fault-injection': { abort: { http_status: 404, body: '', percentage: 100 } } } });
    expect(apisixRoute(config.routes, req('/other'))).toBe(terminal);
    expect(apisixRoute(config.routes, req('/other', { authority: 'z.example' }))?.upstream_id).toBe(upstreamIdFor('c1'));
  });

  test('no terminal route when nothing could be reached by falling through', () => {
    const { config } = run(mesh80([{ name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/api', 'c0')] }]));
    expect(config.routes.map((r) => r.name)).toEqual(['a/0']);
  });
});

describe('stream routes', () => {
  test('tcp_proxy -> stream_route on the original port and VIP; SNI chains get one per name', () => {
    const { config } = run(
      resources({
        listeners: [tcpListener('10.96.0.10', 3306, 'c0'), tcpListener('0.0.0.0', 443, 'c1', ['a.example', 'b.example'])],
        clusters: CLUSTERS,
      }),
    );
    expect(config.stream_routes.map(({ id: _id, desc: _d, ...r }) => r)).toEqual(
      expect.arrayContaining([
        { upstream_id: expect.any(String), server_port: 3306, server_addr: '10.96.0.10' },
        { upstream_id: expect.any(String), server_port: 443, sni: 'a.example' },
        { upstream_id: expect.any(String), server_port: 443, sni: 'b.example' },
      ]),
    );
    // Stream routes use L4 upstreams (scheme tcp).
    for (const sr of config.stream_routes) expect(config.upstreams.find((u) => u.id === sr.upstream_id)!.scheme).toBe('tcp');
  });

  test('tcp_proxy to an incomplete cluster is dropped and reported', () => {
    const { config, report } = run(resources({ listeners: [tcpListener('10.96.0.10', 3306, 'eds')], clusters: [edsCluster('eds')] }));
    expect(config.stream_routes).toEqual([]);
    expect(report).toContainEqual(expect.objectContaining({ kind: 'Listener', severity: 'dropped', reason: 'cluster eds has no endpoints yet' }));
  });

  test('unknown network filters are reported', () => {
    const l = tcpListener('10.96.0.10', 3306, 'c0');
    l.filterChains[0]!.filters.unshift(
      create(FilterSchema, { name: 'istio.metadata_exchange', configType: { case: 'typedConfig', value: { typeUrl: 'type.googleapis.com/udpa.type.v1.TypedStruct', value: new Uint8Array() } } }),
    );
    const { report } = run(resources({ listeners: [l], clusters: CLUSTERS }));
    expect(report).toContainEqual(expect.objectContaining({ path: 'filter_chains[0].filters[0]', severity: 'ignored' }));
  });
});

describe('ids, names, determinism', () => {
  test('ids stable across runs and input order; names <= 100, desc <= 256; lists sorted by id', () => {
    const long = 'x'.repeat(300);
    const xds = mesh80([
      { name: long, domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/', 'c0', { name: long })] },
      { name: 'b', domains: ['b.example', 'b.example:80'], routes: [prefixRoute('/', 'c1')] },
    ]);
    const a = run(xds).config;
    const reversed = { ...xds, clusters: [...xds.clusters].reverse() };
    const b = run(reversed).config;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    for (const r of a.routes) {
      expect(r.name!.length).toBeLessThanOrEqual(100);
      expect((r.desc ?? '').length).toBeLessThanOrEqual(256);
    }
    const ids = a.routes.map((r) => r.id);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('http filters of the connection manager', () => {
  test('a filter-level fault applies to every route unless a route overrides it; other filters reported', () => {
    const fault = create(HTTPFaultSchema, { abort: { errorType: { case: 'httpStatus', value: 503 }, percentage: { numerator: 10, denominator: Denominator.HUNDRED } } });
    const hcm = create(HttpConnectionManagerSchema, {
      statPrefix: 'x',
      routeSpecifier: { case: 'rds', value: { routeConfigName: '80' } },
      httpFilters: [
        { name: 'envoy.filters.http.fault', configType: { case: 'typedConfig', value: anyPack(HTTPFaultSchema, fault) } },
        { name: 'envoy.filters.http.jwt_authn', configType: { case: 'typedConfig', value: { typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', value: new Uint8Array() } } },
        { name: 'envoy.filters.http.router', configType: { case: 'typedConfig', value: { typeUrl: 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', value: new Uint8Array() } } },
      ],
    });
    const listener = httpListener(80, '80');
    listener.filterChains[0]!.filters[0]!.configType = { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) };
    const noFault = anyPack(FilterConfigSchema, create(FilterConfigSchema, { disabled: true }));
    const { config, report } = run(
      mesh80([{ name: 'a', domains: ['a.example', 'a.example:80'], routes: [prefixRoute('/a', 'c0'), prefixRoute('/b', 'c0', { typedPerFilterConfig: { 'envoy.filters.http.fault': noFault } })] }], { listeners: [listener] }),
    );
    expect(config.routes.find((r) => r.name === 'a/0')!.plugins!['fault-injection']).toEqual({ abort: { http_status: 503, percentage: 10 } });
    expect(config.routes.find((r) => r.name === 'a/1')!.plugins).toBeUndefined();
    expect(report).toContainEqual(expect.objectContaining({ kind: 'Listener', path: 'filter_chains[0].filters[0].typed_config.http_filters[1]', severity: 'ignored' }));
  });
});

describe('route configuration and connection manager options', () => {
  const withHeaders = (mostSpecificWins: boolean) =>
    mesh80([], {
      routeConfigurations: [
        create(RouteConfigurationSchema, {
          name: '80',
          mostSpecificHeaderMutationsWins: mostSpecificWins,
          internalOnlyHeaders: ['x-internal'],
          virtualHosts: [
            {
              name: 'a',
              domains: ['a.example', 'a.example:80'],
              requestHeadersToAdd: [{ header: { key: 'x-who', value: 'vhost' }, appendAction: 2 }],
              routes: [prefixRoute('/', 'c0', { requestHeadersToAdd: [{ header: { key: 'x-who', value: 'route' }, appendAction: 2 }] })],
            },
          ],
        }),
      ],
    });

  test('most_specific_header_mutations_wins decides whether the route or the vhost value is set', () => {
    const set = (wins: boolean) => (only(run(withHeaders(wins)).config.routes).plugins!['proxy-rewrite'] as { headers: { set: Record<string, string> } }).headers.set;
    expect(set(false)).toEqual({ 'x-who': 'vhost' });
    expect(set(true)).toEqual({ 'x-who': 'route' });
    expect(run(withHeaders(false)).report).toContainEqual(expect.objectContaining({ path: 'internal_only_headers', severity: 'ignored' }));
  });

  test('strip_any_host_port: bare domains match any port in Envoy too, nothing to report', () => {
    const hcm = create(HttpConnectionManagerSchema, { statPrefix: 'x', routeSpecifier: { case: 'rds', value: { routeConfigName: '80' } }, stripPortMode: { case: 'stripAnyHostPort', value: true } });
    const listener = httpListener(80, '80');
    listener.filterChains[0]!.filters[0]!.configType = { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) };
    const { report } = run(mesh80([{ name: 'a', domains: ['a.example'], routes: [prefixRoute('/', 'c0')] }], { listeners: [listener] }));
    expect(report).toEqual([]);
  });
});

describe("portMatch 'capture' (REDIRECT interception to 15001 / 15006)", () => {
  const allowAny = { name: 'allow_any', domains: ['*'], routes: [prefixRoute('/', 'c2')] };
  const inboundRc = (port: number, cluster: string) => ({ name: `inbound|${port}||`, virtualHosts: [{ name: 'inbound|http', domains: ['*'], routes: [prefixRoute('/', cluster)] }] });
  /** Istio's shape: outbound 0.0.0.0_9080 and 0.0.0.0_80 (each with a `*` vhost) and virtualInbound. */
  const istio = (inboundPorts: number[]) =>
    resources({
      listeners: [httpListener(9080, '9080'), httpListener(80, '80'), virtualInbound(inboundPorts.map((p, i) => ({ port: p, routeConfig: inboundRc(p, `c${i}`) })))],
      routeConfigurations: [
        routeConfig({ name: '9080', virtualHosts: [{ name: 'reviews', domains: ['reviews', 'reviews:9080'], routes: [prefixRoute('/', 'c1')] }, allowAny] }),
        routeConfig({ name: '80', virtualHosts: [{ name: 'web', domains: ['web', 'web:80'], routes: [prefixRoute('/', 'c0')] }, allowAny] }),
      ],
      clusters: CLUSTERS,
    });
  const ask = (routes: ApisixRoute[], authority: string, direction: 'inbound' | 'outbound') =>
    apisixRoute(routes, captured(testRequest(authority, '/', { direction }), { outbound: 15001, inbound: 15006 }))?.upstream_id;

  test('direction by the capture port, original port by the Host port; inbound and outbound `*` both kept', () => {
    const { config, report } = run(istio([8080]), { portMatch: 'capture' });
    expect(report).toEqual([]);
    const byName = (n: string) => config.routes.filter((r) => r.name === n).map((r) => r.vars);
    expect(byName('reviews/0')).toEqual([[['server_port', '==', 15001], ['http_host', '~~', ':9080$']]]);
    // Port 80: Host with `:80`, or without any port (a missing Host included).
    expect(byName('web/0')).toEqual([[['server_port', '==', 15001], ['OR', ['http_host', '~~', ':80$'], ['http_host', '!', '~~', ':[0-9]+$']]]]);
    // The only inbound HTTP port: told apart by direction alone (the Host port is the service port).
    expect(config.routes.filter((r) => r.desc?.startsWith('virtualInbound')).map((r) => r.vars)).toEqual([[['server_port', '==', 15006]]]);
    expect(ask(config.routes, 'reviews:9080', 'outbound')).toBe(upstreamIdFor('c1'));
    expect(ask(config.routes, 'other:9080', 'outbound')).toBe(upstreamIdFor('c2'));
    expect(ask(config.routes, 'web', 'outbound')).toBe(upstreamIdFor('c0'));
    expect(ask(config.routes, 'web:80', 'outbound')).toBe(upstreamIdFor('c0'));
    expect(ask(config.routes, '[::1]:9080', 'outbound')).toBe(upstreamIdFor('c2'));
    expect(ask(config.routes, 'reviews:7777', 'outbound')).toBeUndefined();
    expect(ask(config.routes, 'reviews:9080', 'inbound')).toBe(upstreamIdFor('c0'));
    expect(ask(config.routes, 'anything', 'inbound')).toBe(upstreamIdFor('c0'));
  });

  test('several inbound ports are told apart by the Host port, with IPv6 literals and no Host', () => {
    const { config } = run(istio([8080, 80]), { portMatch: 'capture' });
    expect(ask(config.routes, 'svc:8080', 'inbound')).toBe(upstreamIdFor('c0'));
    expect(ask(config.routes, '[fd00::1]:8080', 'inbound')).toBe(upstreamIdFor('c0'));
    expect(ask(config.routes, '[fd00::80]', 'inbound')).toBe(upstreamIdFor('c1'));
    expect(ask(config.routes, 'svc', 'inbound')).toBe(upstreamIdFor('c1'));
    // HTTP/1.0 without Host: `$http_host` is nil, which is the default port.
    expect(ask(config.routes, '', 'inbound')).toBe(upstreamIdFor('c1'));
    expect(ask(config.routes, 'svc:18080', 'inbound')).toBeUndefined();
  });

  test('direction by traffic_direction, else by name: virtualInbound is inbound, the rest outbound', () => {
    const byName = inlineHttpListener('virtualInbound', 15006, inboundRc(9080, 'c0'));
    byName.filterChains[0]!.filterChainMatch = create(FilterChainMatchSchema, { destinationPort: 9080 });
    const inbound = inlineHttpListener('in_9080', 9080, inboundRc(9080, 'c1'));
    inbound.trafficDirection = TrafficDirection.INBOUND;
    const vars = (l: typeof byName) => only(run(resources({ listeners: [l], clusters: CLUSTERS }), { portMatch: 'capture' }).config.routes).vars;
    expect(vars(byName)).toEqual([['server_port', '==', 15006]]);
    expect(vars(inbound)).toEqual([['server_port', '==', 15006]]);
    expect(vars(inlineHttpListener('0.0.0.0_9080', 9080, inboundRc(9080, 'c2')))).toEqual([['server_port', '==', 15001], ['http_host', '~~', ':9080$']]);
  });

  test('configurable capture ports; server_port and none unchanged', () => {
    const ports = { mode: 'capture', ports: { outbound: 15101, inbound: 15106 } } as const;
    const { config } = run(istio([8080]), { portMatch: ports });
    expect(config.routes.find((r) => r.name === 'reviews/0')!.vars).toEqual([['server_port', '==', 15101], ['http_host', '~~', ':9080$']]);
    const sp = run(istio([8080]), { portMatch: 'server_port' });
    expect(sp.config.routes.find((r) => r.name === 'reviews/0')!.vars).toEqual([['server_port', '==', 9080]]);
    // Without direction in the scope, the inbound `*` collides with an outbound one.
    expect(run(istio([80]), { portMatch: 'none' }).report.some((i) => i.reason.includes("'*' already used by virtual host"))).toBe(true);
  });

  test("a Host without port means 443 on a chain that terminates the client's TLS, 80 behind mutual TLS", () => {
    const tls = (requireClientCertificate: boolean) => {
      const l = virtualInbound([{ port: 443, routeConfig: inboundRc(443, 'c0') }, { port: 80, routeConfig: inboundRc(80, 'c1') }]);
      for (const c of l.filterChains) {
        c.transportSocket = { name: 'tls', configType: { case: 'typedConfig', value: anyPack(DownstreamTlsContextSchema, create(DownstreamTlsContextSchema, { requireClientCertificate })) } } as typeof c.transportSocket;
      }
      return run(resources({ listeners: [l], clusters: CLUSTERS }), { portMatch: 'capture' }).config.routes;
    };
    expect(ask(tls(false), 'svc', 'inbound')).toBe(upstreamIdFor('c0'));
    expect(ask(tls(true), 'svc', 'inbound')).toBe(upstreamIdFor('c1'));
  });

  test('parsePortMatch reads modes and OUT,IN capture ports, and says what is wrong', () => {
    expect(parsePortMatch('capture')).toEqual({ portMatch: 'capture' });
    expect(parsePortMatch('capture', '15101,15106')).toEqual({ portMatch: { mode: 'capture', ports: { outbound: 15101, inbound: 15106 } } });
    expect(parsePortMatch('server_port', '15001,15006')).toEqual({ portMatch: 'server_port' });
    expect(parsePortMatch('tproxy')).toEqual({ problem: 'expected capture, server_port or none (got "tproxy")' });
    expect(parsePortMatch('capture', '15001')).toEqual({ problem: expect.stringMatching(/expected OUT,IN/) });
    expect(parsePortMatch('capture', '15001,15001')).toEqual({ problem: expect.stringMatching(/two different ports/) });
    expect(parsePortMatch('capture', '0,70000')).toEqual({ problem: expect.stringMatching(/1-65535/) });
  });
});
