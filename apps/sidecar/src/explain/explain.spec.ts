import { create } from '@bufbuild/protobuf';
import { ClusterSchema, RouteConfigurationSchema, type RouteConfiguration } from '@amesh/proto';
import { emptyXdsResources, upstreamIdFor, type ApisixRoute, type ApisixUpstream, type TranslationReport } from '@amesh/translator';
import { matchApisixRoute } from './apisix-matcher.js';
import { matchEnvoyRoute, selectVirtualHost } from './envoy-matcher.js';
import { explain } from './explain.js';
import { parseExplainQuery, type ExplainRequest } from './explain-request.js';

function req(q: string): ExplainRequest {
  const r = parseExplainQuery(new URLSearchParams(q));
  if (typeof r === 'string') throw new Error(r);
  return r;
}

const prefix = (p: string) => ({ pathSpecifier: { case: 'prefix' as const, value: p } });
const toCluster = (c: string) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: c } } });

const rc: RouteConfiguration = create(RouteConfigurationSchema, {
  name: '9080',
  virtualHosts: [
    {
      name: 'reviews.default.svc.cluster.local:9080',
      domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
      routes: [
        {
          name: 'jason',
          match: { ...prefix('/'), headers: [{ name: 'end-user', headerMatchSpecifier: { case: 'exactMatch', value: 'jason' } }] },
          action: toCluster('outbound|9080|v2|reviews.default.svc.cluster.local'),
        },
        { name: 'api', match: prefix('/api'), action: toCluster('outbound|9080|v3|reviews.default.svc.cluster.local') },
        { name: 'default', match: prefix('/'), action: toCluster('outbound|9080|v1|reviews.default.svc.cluster.local') },
      ],
    },
    {
      name: 'ratings.default.svc.cluster.local:9080',
      domains: ['ratings.default.svc.cluster.local', 'ratings'],
      routes: [{ name: 'only-get', match: { pathSpecifier: { case: 'path', value: '/ratings' } }, action: toCluster('outbound|9080||ratings.default.svc.cluster.local') }],
    },
    { name: 'wild', domains: ['*.example.com'], routes: [{ name: 'w', match: prefix('/'), action: toCluster('outbound|80||wild') }] },
    { name: 'allow_any', domains: ['*'], routes: [{ name: 'any', match: prefix('/'), action: toCluster('PassthroughCluster') }] },
  ],
});

describe('Envoy semantics', () => {
  it('picks the virtual host by exact domain, then the longest wildcard, then *', () => {
    expect(selectVirtualHost(rc, req('host=reviews&path=/'))?.vhost.name).toBe('reviews.default.svc.cluster.local:9080');
    expect(selectVirtualHost(rc, req('host=reviews:9080&path=/'))?.index).toBe(0);
    expect(selectVirtualHost(rc, req('host=a.example.com&path=/'))?.vhost.name).toBe('wild');
    expect(selectVirtualHost(rc, req('host=elsewhere.io&path=/'))?.vhost.name).toBe('allow_any');
  });

  it('takes the first route in list order whose match holds', () => {
    const vh = rc.virtualHosts[0];
    const pick = (q: string) => {
      const m = matchEnvoyRoute(vh, req(q));
      return m.route?.name;
    };
    expect(pick('host=reviews&path=/api/x&header.end-user=jason')).toBe('jason');
    expect(pick('host=reviews&path=/api/x')).toBe('api');
    expect(pick('host=reviews&path=/other')).toBe('default');
  });
});

describe('APISIX radixtree_host_uri semantics', () => {
  const routes: ApisixRoute[] = [
    { id: 'exact-host-prefix', hosts: ['a.test'], uris: ['/api*'] },
    { id: 'exact-host-long-prefix', hosts: ['a.test'], uris: ['/api/v2*'] },
    { id: 'exact-host-exact-uri', hosts: ['a.test'], uris: ['/api'] },
    { id: 'high-priority-header', hosts: ['a.test'], uris: ['/*'], priority: 10, vars: [['http_x_user', '==', 'jason']] },
    { id: 'low-priority', hosts: ['a.test'], uris: ['/*'], priority: 1 },
    { id: 'wild', hosts: ['*.test'], uris: ['/*'] },
    { id: 'post-only', hosts: ['b.test'], uris: ['/*'], methods: ['POST'] },
    { id: 'hostless', uris: ['/*'] },
    { id: 'disabled', hosts: ['c.test'], uris: ['/*'], status: 0 },
  ];
  const pick = (q: string) => matchApisixRoute(routes, req(q)).route?.id;

  it('tries exact uris, then prefixes from the longest, then by priority', () => {
    expect(pick('host=a.test&path=/api')).toBe('exact-host-exact-uri');
    expect(pick('host=a.test&path=/api/v2/x')).toBe('exact-host-long-prefix');
    expect(pick('host=a.test&path=/api/v1')).toBe('exact-host-prefix');
    expect(pick('host=a.test&path=/x&header.x-user=jason')).toBe('high-priority-header');
    expect(pick('host=a.test&path=/x')).toBe('low-priority');
  });

  it('falls back from the exact host to wildcards, then to routes without hosts', () => {
    expect(pick('host=z.test&path=/x')).toBe('wild');
    expect(pick('host=b.test&path=/x&method=POST')).toBe('post-only');
    // b.test's only route wants POST: the wildcard host is tried next.
    expect(pick('host=b.test&path=/x')).toBe('wild');
    expect(pick('host=other.io&path=/x')).toBe('hostless');
    expect(pick('host=c.test&path=/x')).toBe('wild');
  });

  it('records why candidates were passed over', () => {
    const m = matchApisixRoute(routes, req('host=a.test&path=/x'));
    expect(m.candidates[0]).toMatchObject({ id: 'high-priority-header', outcome: 'vars' });
    expect(m.candidates[1]).toMatchObject({ id: 'low-priority', outcome: 'matched' });
  });

  it('evaluates server_port, regex and OR expressions', () => {
    const r: ApisixRoute[] = [
      { id: 'port-80', uris: ['/*'], vars: [['server_port', '==', 80]] },
      { id: 'regex', uris: ['/*'], vars: [['uri', '~~', '^/v[0-9]+/']] },
      { id: 'or', uris: ['/*'], vars: [['OR', ['arg_a', '==', '1'], ['arg_b', '==', '2']]] },
    ];
    expect(matchApisixRoute(r, req('host=x&path=/&port=80')).route?.id).toBe('port-80');
    expect(matchApisixRoute(r, req('host=x&path=/v2/a&port=81')).route?.id).toBe('regex');
    expect(matchApisixRoute(r, req('host=x&path=/q?b=2&port=81')).route?.id).toBe('or');
    expect(matchApisixRoute(r, req('host=x&path=/q&port=81')).route).toBeUndefined();
  });
});

describe('explain', () => {
  const v1 = 'outbound|9080|v1|reviews.default.svc.cluster.local';
  const v3 = 'outbound|9080|v3|reviews.default.svc.cluster.local';
  const xds = emptyXdsResources();
  xds.routeConfigurations.push(rc);
  xds.clusters.push(create(ClusterSchema, { name: v1 }), create(ClusterSchema, { name: v3 }));
  const upstreams: ApisixUpstream[] = [
    { id: upstreamIdFor(v1), name: v1, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 9080, weight: 1 }] },
    { id: upstreamIdFor(v3), name: v3, type: 'roundrobin', nodes: [] },
  ];
  const routes: ApisixRoute[] = [
    { id: 'r-default', name: 'default', hosts: ['reviews', 'reviews.default.svc.cluster.local'], uris: ['/*'], upstream_id: upstreamIdFor(v1) },
    { id: 'r-api', name: 'api', hosts: ['reviews', 'reviews.default.svc.cluster.local'], uris: ['/api*'], upstream_id: upstreamIdFor(v3) },
  ];
  const report: TranslationReport = [
    {
      kind: 'RouteConfiguration',
      name: '9080',
      path: 'virtual_hosts[0].routes[0]',
      severity: 'dropped',
      reason: 'header matcher cannot be expressed',
    },
  ];
  const input = { xds, routes, upstreams, report };

  it('names the APISIX route and the xDS route it came from', () => {
    const e = explain(input, req('host=reviews&path=/productpage&port=9080'));
    expect(e.served).toBe(true);
    expect(e.apisix?.route.id).toBe('r-default');
    expect(e.apisix?.upstreams).toEqual([{ id: upstreamIdFor(v1), name: v1, nodes: 1 }]);
    expect(e.envoy).toMatchObject({ routeConfiguration: '9080', virtualHost: 'reviews.default.svc.cluster.local:9080', route: { index: 2, name: 'default', action: { kind: 'cluster', cluster: v1 } } });
    expect(e.notes).toEqual([]);
  });

  it('says when the upstream has no endpoints', () => {
    const e = explain(input, req('host=reviews&path=/api/x&port=9080'));
    expect(e.served).toBe(true);
    expect(e.notes.join('\n')).toMatch(/has no endpoints/);
  });

  it('explains a missing virtual host', () => {
    const e = explain({ ...input, xds: { ...xds, routeConfigurations: [create(RouteConfigurationSchema, { name: '9080', virtualHosts: rc.virtualHosts.slice(0, 2) })] } }, req('host=nope.io&path=/&port=9080'));
    expect(e.served).toBe(false);
    expect(e.reason).toBe('no virtual host for nope.io:9080 in any route configuration of port 9080');
  });

  it('explains a route the translator dropped, with the report reason', () => {
    const e = explain({ ...input, routes: [] }, req('host=reviews&path=/x&header.end-user=jason&port=9080'));
    expect(e.served).toBe(false);
    expect(e.reason).toBe('the xDS route was dropped by the translator: header matcher cannot be expressed (at virtual_hosts[0].routes[0])');
    expect(e.envoy?.route?.name).toBe('jason');
  });

  it('explains an Envoy 404 and a cluster without an upstream', () => {
    expect(explain(input, req('host=ratings&path=/other&port=9080')).reason).toMatch(/has no route matching GET \/other; Envoy answers 404 too/);
    const e = explain({ ...input, routes: [], upstreams: [] }, req('host=reviews&path=/api&port=9080'));
    expect(e.reason).toBe(`the route's cluster ${v3} has no upstream: its endpoints have not arrived (not complete)`);
  });

  it("treats the translator's terminal 404 route as not served", () => {
    const terminal: ApisixRoute = { id: 'r-term', name: 'ratings.default.svc.cluster.local:9080/#no-route', hosts: ['ratings'], uris: ['/*'], priority: -100 };
    const e = explain({ ...input, routes: [...routes, terminal] }, req('host=ratings&path=/other&port=9080'));
    expect(e.served).toBe(false);
    expect(e.reason).toMatch(/Envoy answers 404 too/);
    expect(e.notes.join()).toMatch(/terminal route r-term/);
  });

  it('rejects a request description without host or with a bad path', () => {
    expect(parseExplainQuery(new URLSearchParams('path=/'))).toMatch(/missing "host"/);
    expect(parseExplainQuery(new URLSearchParams('host=a&path=x'))).toMatch(/"path" must start with "\/"/);
    expect(parseExplainQuery(new URLSearchParams('host=a&path=/&port=99999'))).toMatch(/"port" must be 0-65535/);
  });
});
