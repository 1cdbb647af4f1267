import type { RouteConfiguration } from '@amesh/proto';
import { httpListener, inlineHttpListener, prefixRoute, resources, routeConfig, type RouteInit } from '../testing/xds-builders.js';
import { testRequest } from '../testing/test-request.js';
import { virtualInbound } from '../testing/inbound-listener.js';
import { firstMatchingRoute, matchEnvoyRoute, matchRouteConfiguration, selectVirtualHost } from './envoy-matcher.js';
import type { MatchRequest } from './match-request.js';

const prefix = (p: string) => ({ pathSpecifier: { case: 'prefix' as const, value: p } });

// Bookinfo's reviews: a header route before a longer prefix and the default.
const rc: RouteConfiguration = routeConfig({
  name: '9080',
  virtualHosts: [
    {
      name: 'reviews',
      domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
      routes: [
        prefixRoute('/', 'v2', { name: 'jason', match: { ...prefix('/'), headers: [{ name: 'end-user', headerMatchSpecifier: { case: 'exactMatch', value: 'jason' } }] } }),
        prefixRoute('/api', 'v3', { name: 'api' }),
        prefixRoute('/', 'v1', { name: 'default' }),
      ],
    },
    { name: 'ratings', domains: ['ratings'], routes: [prefixRoute('/ratings', 'ratings')] },
    { name: 'wild', domains: ['*.example.com'], routes: [prefixRoute('/', 'wild')] },
    { name: 'prefixed', domains: ['api.*'], routes: [prefixRoute('/', 'prefixed')] },
    { name: 'allow_any', domains: ['*'], routes: [prefixRoute('/', 'PassthroughCluster')] },
  ],
});

describe('virtual host selection', () => {
  it('picks the virtual host by exact domain, then the longest wildcard, then *', () => {
    expect(selectVirtualHost(rc, 'reviews')?.vhost.name).toBe('reviews');
    expect(selectVirtualHost(rc, 'reviews:9080')?.index).toBe(0);
    expect(selectVirtualHost(rc, 'a.example.com')?.vhost.name).toBe('wild');
    expect(selectVirtualHost(rc, 'elsewhere.io')?.vhost.name).toBe('allow_any');
  });

  it('prefers a suffix wildcard over a prefix wildcard, and either over *', () => {
    expect(selectVirtualHost(rc, 'api.example.com')?.vhost.name).toBe('wild');
    expect(selectVirtualHost(rc, 'api.io')?.vhost.name).toBe('prefixed');
  });

  it('matches the authority as sent unless the configuration ignores ports', () => {
    const ports = routeConfig({ name: 'p', virtualHosts: [{ name: 'bare', domains: ['bare'], routes: [prefixRoute('/', 'c')] }] });
    expect(matchRouteConfiguration(ports, testRequest('bare:80', '/'))).toBeUndefined();
    expect(matchRouteConfiguration({ ...ports, ignorePortInHostMatching: true }, testRequest('bare:80', '/'))?.virtualHost.name).toBe('bare');
  });
});

describe('route selection', () => {
  const pick = (req: MatchRequest) => firstMatchingRoute(rc.virtualHosts[0]!, req).route?.name;

  it('takes the first route in list order whose match holds', () => {
    expect(pick(testRequest('reviews', '/api/x', { headers: { 'end-user': 'jason' } }))).toBe('jason');
    expect(pick(testRequest('reviews', '/api/x'))).toBe('api');
    expect(pick(testRequest('reviews', '/other'))).toBe('default');
  });

  const only = (route: RouteInit, req: MatchRequest) => firstMatchingRoute(routeConfig({ virtualHosts: [{ name: 'v', domains: ['*'], routes: [route] }] }).virtualHosts[0]!, req);
  const header = (h: NonNullable<NonNullable<RouteInit['match']>['headers']>[number]) => prefixRoute('/', 'c', { match: { ...prefix('/'), headers: [h] } });

  it('fails a missing header for every matcher but present_match: false, before invert_match', () => {
    const missing = testRequest('a', '/');
    expect(only(header({ name: 'x', headerMatchSpecifier: { case: 'exactMatch', value: 'v' } }), missing).route).toBeUndefined();
    expect(only(header({ name: 'x', invertMatch: true, headerMatchSpecifier: { case: 'exactMatch', value: 'v' } }), missing).route).toBeUndefined();
    expect(only(header({ name: 'x', headerMatchSpecifier: { case: 'presentMatch', value: false } }), missing).route).toBeDefined();
    expect(only(header({ name: 'x', invertMatch: true }), missing).route).toBeDefined();
    expect(only(header({ name: 'x', treatMissingHeaderAsEmpty: true, headerMatchSpecifier: { case: 'exactMatch', value: '' } }), missing).route).toBeDefined();
    const present = testRequest('a', '/', { headers: { x: 'w' } });
    expect(only(header({ name: 'x', invertMatch: true, headerMatchSpecifier: { case: 'exactMatch', value: 'v' } }), present).route).toBeDefined();
  });

  it('evaluates ranges as integers in [start, end), regexes on the whole value, gRPC by content-type', () => {
    const range = header({ name: 'x-n', headerMatchSpecifier: { case: 'rangeMatch', value: { start: 10n, end: 20n } } });
    expect(['10', '19', '9', '20', '1.5', ''].map((n) => only(range, testRequest('a', '/', { headers: { 'x-n': n } })).route !== undefined)).toEqual([true, true, false, false, false, false]);
    const re = header({ name: 'x', headerMatchSpecifier: { case: 'safeRegexMatch', value: { regex: 'v[0-9]' } } });
    expect(only(re, testRequest('a', '/', { headers: { x: 'v1' } })).route).toBeDefined();
    expect(only(re, testRequest('a', '/', { headers: { x: 'v12' } })).route).toBeUndefined();
    const grpc = prefixRoute('/', 'c', { match: { ...prefix('/'), grpc: {} } });
    expect(only(grpc, testRequest('a', '/')).route).toBeUndefined();
    expect(only(grpc, testRequest('a', '/', { headers: { 'content-type': 'application/grpc+proto' } })).route).toBeDefined();
  });

  it('names what it cannot evaluate instead of guessing', () => {
    const fraction = prefixRoute('/', 'c', { match: { ...prefix('/'), runtimeFraction: { defaultValue: { numerator: 1 } } } });
    expect(only(fraction, testRequest('a', '/')).uncertain).toMatch(/runtime_fraction/);
    const bad = prefixRoute('/', 'c', { match: { pathSpecifier: { case: 'safeRegex', value: { regex: '(?P<n>x)' } } } });
    expect(only(bad, testRequest('a', '/x')).uncertain).toMatch(/cannot be evaluated/);
  });
});

describe('listener selection', () => {
  const vhost = (cluster: string) => [{ name: cluster, domains: ['*'], routes: [prefixRoute('/', cluster)] }];

  it('takes the route configuration of the listener on the exact address, then the wildcard one, by port', () => {
    const xds = resources({
      listeners: [httpListener(80, 'vip', '240.0.0.1_80', '240.0.0.1'), httpListener(80, 'any'), inlineHttpListener('inline', 8080, { name: 'in', virtualHosts: vhost('c-inline') })],
      routeConfigurations: [routeConfig({ name: 'vip', virtualHosts: vhost('c-vip') }), routeConfig({ name: 'any', virtualHosts: vhost('c-any') })],
    });
    const at = (extra: Partial<MatchRequest>) => matchEnvoyRoute(xds, testRequest('a', '/', extra));
    expect(at({ address: '240.0.0.1' })?.scope.reportName).toBe('vip');
    expect(at({ address: '10.0.0.1' })?.scope.reportName).toBe('any');
    expect(at({})?.scope.reportName).toBe('any');
    expect(at({ port: 8080 })?.scope).toEqual(expect.objectContaining({ reportKind: 'Listener', reportName: 'inline', reportPrefix: 'filter_chains[0].filters[0].typed_config.route_config.' }));
    expect(at({ port: 81 })).toBeUndefined();
  });

  it("takes the listeners of the request's direction: virtualInbound's chain for inbound, 0.0.0.0_<port> for outbound", () => {
    const xds = resources({
      listeners: [httpListener(8080, 'out'), virtualInbound([{ port: 8080, routeConfig: { name: 'inbound|8080||', virtualHosts: vhost('c-in') } }])],
      routeConfigurations: [routeConfig({ name: 'out', virtualHosts: vhost('c-out') })],
    });
    const at = (extra: Partial<MatchRequest>) => matchEnvoyRoute(xds, testRequest('a', '/', { port: 8080, ...extra }))?.scope.reportName;
    expect(at({ direction: 'inbound' })).toBe('virtualInbound');
    expect(at({ direction: 'outbound' })).toBe('out');
    expect(at({})).toBe('out');
    expect(at({ direction: 'inbound', port: 9090 })).toBeUndefined();
  });

  it('serves route configurations alone on the port their name ends with, or on every port', () => {
    const xds = resources({ routeConfigurations: [routeConfig({ name: 'svc:9080', virtualHosts: vhost('c-9080') }), routeConfig({ name: 'all', virtualHosts: vhost('c-all') })] });
    expect(matchEnvoyRoute(xds, testRequest('a', '/', { port: 9080 }))?.scope.reportName).toBe('svc:9080');
    expect(matchEnvoyRoute(xds, testRequest('a', '/', { port: 80 }))?.scope.reportName).toBe('all');
  });
});
