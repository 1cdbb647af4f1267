import { create } from '@bufbuild/protobuf';
import { ClusterSchema, RouteConfigurationSchema, type RouteConfiguration } from '@amesh/proto';
import * as path from 'node:path';
import { emptyXdsResources, refsOf, translate, upstreamIdFor, type ApisixRoute, type ApisixUpstream, type PortMatch, type TranslationReport } from '@amesh/translator';
import { loadXdsPaths } from '@amesh/translator/loader';
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
  const input = { xds: refsOf(xds), routes, upstreams, report };

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
    const e = explain({ ...input, xds: { ...refsOf(xds), routeConfigurations: [create(RouteConfigurationSchema, { name: '9080', virtualHosts: rc.virtualHosts.slice(0, 2) })] } }, req('host=nope.io&path=/&port=9080'));
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
    expect(parseExplainQuery(new URLSearchParams('host=a&path=/&direction=sideways'))).toMatch(/"direction" must be outbound or inbound/);
    expect(parseExplainQuery(new URLSearchParams('path=/'))).toMatch(/missing "host"/);
    expect(parseExplainQuery(new URLSearchParams('host=a&path=x'))).toMatch(/"path" must start with "\/"/);
    expect(parseExplainQuery(new URLSearchParams('host=a&path=/&port=99999'))).toMatch(/"port" must be 0-65535/);
  });
});

describe('explain on the example mesh, by port-match mode', () => {
  const served = async (portMatch: PortMatch, explainAs: PortMatch | undefined, q: string) => {
    const { resources: xds } = await loadXdsPaths([path.join(__dirname, '../../../../examples/bookinfo/xds.yaml')]);
    const { config, report } = translate(xds, { portMatch });
    return explain({ xds: refsOf(xds), routes: config.routes, upstreams: config.upstreams, report, portMatch: explainAs }, req(q));
  };

  it('takes host as the authority as sent, and defaults to outbound', () => {
    expect(req('host=reviews&path=/&port=9080')).toMatchObject({ authority: 'reviews', port: 9080, direction: 'outbound' });
    expect(req('host=reviews:9080&path=/&direction=inbound')).toMatchObject({ authority: 'reviews:9080', port: 9080, direction: 'inbound' });
  });

  it('sees a request on the capture port under capture (the default), on the original port under server_port', async () => {
    const q = 'host=reviews&path=/reviews/1&port=9080&header.end-user=tester';
    const capture = await served('capture', undefined, q);
    expect(capture).toMatchObject({ served: true, envoy: { route: { name: 'reviews-testers' } } });
    expect(capture.apisix?.route.vars).toEqual(expect.arrayContaining([['server_port', '==', 15001], ['http_host', '~~', ':9080$']]));
    // A bare host asked about on 9080 is sent as `reviews:9080` by clients; explicit ports are kept.
    expect((await served('capture', undefined, 'host=reviews:9080&path=/reviews/1&header.end-user=tester')).served).toBe(true);
    expect((await served('capture', undefined, 'host=reviews:9081&path=/reviews/1&port=9080')).served).toBe(false);
    expect(await served('server_port', 'server_port', q)).toMatchObject({ served: true, envoy: { route: { name: 'reviews-testers' } } });
    // The mode must be the one the routes were made with: capture routes never see $server_port 9080.
    expect((await served('capture', 'server_port', q)).served).toBe(false);
    // The example mesh has no inbound listener: nothing serves an inbound request.
    expect(await served('capture', undefined, `${q}&direction=inbound`)).toMatchObject({ served: false, envoy: undefined });
  });
});
