import fc from 'fast-check';
import { toJson } from '@bufbuild/protobuf';
import { RouteConfigurationSchema } from '@amesh/proto';
import type { XdsResources } from './xds-resources.js';
import { translate } from './translate.js';
import { apisixActionKey, envoyActionKey } from './testing/action-key.js';
import { apisixRoute, envoyRoute } from './testing/strict-match.js';
import { schemaViolations } from './testing/schema-check.js';
import { captured, type MatchRequest } from './matching/index.js';
import { DEFAULT_CAPTURE_PORTS, type PortMatch } from './listener-scope.js';
import { virtualInbound } from './testing/inbound-listener.js';
import { httpListener, resources, routeConfig, staticCluster, type RouteInit, type VirtualHostInit } from './testing/xds-builders.js';
import { testRequest } from './testing/test-request.js';

// A small universe, so that generated routes and requests often meet.
const PORTS = [80, 8080];
const HOSTS = ['a.example', 'b.example', 'c.other'];
const DOMAINS = ['a.example', 'b.example', 'c.other', '*.example', '*', '*.other'];
const PREFIXES = ['', '/', '/api', '/api/', '/api/v1', '/apix', '/s', '/API', '/a.', '/a+b', '/x:y'];
const PATHS = ['/', '/api', '/api/', '/api/v1', '/api/v1/x', '/apix', '/API/V1', '/api/123', '/s/x.js', '/s', '/other', '/a.b', '/aXb', '/a+b/c', '/x:y'];
const REGEXES = ['/api/[0-9]+', '/a.*', '.*x', '/(api|s)/.+', '[/]s.*'];
const HEADER_NAMES = ['x-a', 'x-b'];
const VALUES = ['1', '2', 'ab', 'A.b', 'a+b'];
const CLUSTERS = ['c0', 'c1', 'c2'];
const clusterOfNode = new Map(CLUSTERS.map((c, i) => [`10.0.0.${i + 1}`, c]));

const value = fc.constantFrom(...VALUES);
const stringMatcher = fc.record({
  matchPattern: fc.oneof(
    fc.record({ case: fc.constant('exact' as const), value }),
    fc.record({ case: fc.constant('prefix' as const), value }),
    fc.record({ case: fc.constant('suffix' as const), value }),
    fc.record({ case: fc.constant('contains' as const), value }),
    fc.record({ case: fc.constant('safeRegex' as const), value: fc.record({ regex: fc.constantFrom('[0-9]', 'a.*', '.+b') }) }),
  ),
  ignoreCase: fc.boolean(),
});
const headerMatcher = fc.record({
  name: fc.constantFrom(...HEADER_NAMES),
  invertMatch: fc.boolean(),
  headerMatchSpecifier: fc.oneof(
    fc.record({ case: fc.constant('exactMatch' as const), value }),
    fc.record({ case: fc.constant('prefixMatch' as const), value }),
    fc.record({ case: fc.constant('suffixMatch' as const), value }),
    fc.record({ case: fc.constant('containsMatch' as const), value }),
    fc.record({ case: fc.constant('presentMatch' as const), value: fc.boolean() }),
    fc.record({ case: fc.constant('safeRegexMatch' as const), value: fc.record({ regex: fc.constantFrom('[0-9]', 'a.*', '.+b') }) }),
    fc.record({ case: fc.constant('stringMatch' as const), value: stringMatcher }),
  ),
});
const queryMatcher = fc.record({
  name: fc.constant('q'),
  queryParameterMatchSpecifier: fc.oneof(
    fc.record({ case: fc.constant('stringMatch' as const), value: stringMatcher }),
    fc.record({ case: fc.constant('presentMatch' as const), value: fc.boolean() }),
  ),
});
const pathSpecifier = fc.oneof(
  { weight: 4, arbitrary: fc.record({ case: fc.constant('prefix' as const), value: fc.constantFrom(...PREFIXES) }) },
  { weight: 2, arbitrary: fc.record({ case: fc.constant('path' as const), value: fc.constantFrom(...PATHS) }) },
  { weight: 1, arbitrary: fc.record({ case: fc.constant('pathSeparatedPrefix' as const), value: fc.constantFrom('/api', '/api/v1', '/s') }) },
  { weight: 1, arbitrary: fc.record({ case: fc.constant('safeRegex' as const), value: fc.record({ regex: fc.constantFrom(...REGEXES) }) }) },
);
const match = fc.record(
  {
    pathSpecifier,
    caseSensitive: fc.constantFrom(undefined, false, true),
    headers: fc.array(headerMatcher, { maxLength: 2 }),
    queryParameters: fc.array(queryMatcher, { maxLength: 1 }),
  },
  { requiredKeys: ['pathSpecifier', 'headers', 'queryParameters'] },
);
const cluster = fc.constantFrom(...CLUSTERS);
const action = fc.oneof(
  { weight: 5, arbitrary: cluster.map((c) => ({ case: 'route' as const, value: { clusterSpecifier: { case: 'cluster' as const, value: c } } })) },
  {
    weight: 2,
    arbitrary: fc.array(fc.tuple(cluster, fc.integer({ min: 0, max: 5 })), { minLength: 1, maxLength: 3 }).filter((l) => l.some(([, w]) => w > 0)).map((l) => ({
      case: 'route' as const,
      value: { clusterSpecifier: { case: 'weightedClusters' as const, value: { clusters: l.map(([name, weight]) => ({ name, weight })) } } },
    })),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }).map((i) => ({ case: 'redirect' as const, value: { hostRedirect: `r${i}.example` } })) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(200, 403, 404, 503), fc.constantFrom('', 'denied')).map(([status, body]) => ({
      case: 'directResponse' as const,
      value: { status, body: { specifier: { case: 'inlineString' as const, value: body } } },
    })),
  },
);
const route: fc.Arbitrary<RouteInit> = fc.record({ match, action }) as fc.Arbitrary<RouteInit>;
const vhost = (i: number): fc.Arbitrary<VirtualHostInit> =>
  fc.record({ name: fc.constant(`vh${i}`), domains: fc.uniqueArray(fc.constantFrom(...DOMAINS), { minLength: 1, maxLength: 2 }), routes: fc.array(route, { minLength: 1, maxLength: 5 }) });
const vhosts = fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => vhost(i))));

/** Envoy rejects a route configuration whose vhosts share a domain; generate only valid ones. */
function uniqueDomains(list: VirtualHostInit[]): VirtualHostInit[] {
  const seen = new Set<string>();
  return list
    .map((v) => ({ ...v, domains: (v.domains ?? []).filter((d) => (seen.has(d) ? false : (seen.add(d), true))) }))
    .filter((v) => v.domains.length > 0);
}

/** Istio lists every domain bare and with the port: `a.example`, `a.example:80`. */
function withPorts(list: VirtualHostInit[], port: number): VirtualHostInit[] {
  return list.map((v) => ({ ...v, domains: (v.domains ?? []).flatMap((d) => (d === '*' ? [d] : [d, `${d}:${port}`])) }));
}

/** A listener bound to one VIP on port 80 (Kuma / Istio `<vip>_<port>` style), sometimes. */
const VIP = '10.9.9.9';

const mesh: fc.Arbitrary<XdsResources> = fc.tuple(vhosts, vhosts, fc.option(vhosts, { nil: undefined })).map(([v80, v8080, vVip]) =>
  resources({
    listeners: [httpListener(80, '80'), httpListener(8080, '8080'), ...(vVip ? [httpListener(80, 'vip', `${VIP}_80`, VIP)] : [])],
    routeConfigurations: [
      routeConfig({ name: '80', virtualHosts: withPorts(uniqueDomains(v80), 80) }),
      routeConfig({ name: '8080', virtualHosts: withPorts(uniqueDomains(v8080), 8080) }),
      ...(vVip ? [routeConfig({ name: 'vip', virtualHosts: withPorts(uniqueDomains(vVip), 80) })] : []),
    ],
    clusters: CLUSTERS.map((c, i) => staticCluster(c, `10.0.0.${i + 1}`)),
  }),
);

const request: fc.Arbitrary<MatchRequest> = fc.record({
  authority: fc.tuple(fc.constantFrom(...HOSTS, 'x.example', 'B.example'), fc.boolean()).map(([h, withPort]) => (withPort ? `${h}:PORT` : h)),
  port: fc.constantFrom(...PORTS),
  address: fc.constantFrom(VIP, '192.0.2.1'),
  method: fc.constantFrom('GET', 'POST'),
  path: fc.constantFrom(...PATHS),
  headers: fc.dictionary(fc.constantFrom(...HEADER_NAMES), value, { maxKeys: 2 }),
  query: fc.dictionary(fc.constant('q'), value, { maxKeys: 1 }),
}).map((r) => ({ ...r, authority: r.authority.replace('PORT', String(r.port)) }));

/** A compact view of the generated route configurations, for failure messages. */
function describeMesh(xds: XdsResources): string {
  return xds.routeConfigurations
    .map((rc) => `${rc.name}: ` + JSON.stringify(toJson(RouteConfigurationSchema, rc)))
    .join('\n');
}

describe('APISIX picks what Envoy picks', () => {
  test('for generated meshes and requests, both matchers end in the same action', () => {
    fc.assert(
      fc.property(mesh, fc.array(request, { minLength: 20, maxLength: 20 }), (xds, reqs) => {
        const { config, report } = translate(xds);
        // Every generated route is translatable: nothing may be dropped.
        expect(report.filter((r) => r.severity === 'dropped')).toEqual([]);
        for (const req of reqs) {
          const envoy = envoyActionKey(envoyRoute(xds, req)?.route);
          const apisix = apisixActionKey(apisixRoute(config.routes, req), config, clusterOfNode);
          if (envoy !== apisix) {
            throw new Error(`request ${JSON.stringify(req)}: Envoy ${envoy}, APISIX ${apisix}\n${describeMesh(xds)}\n${JSON.stringify(config.routes)}`);
          }
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  test("single-port meshes agree under portMatch 'none' too", () => {
    const singlePort = mesh.map((xds) => ({ ...xds, listeners: xds.listeners.slice(0, 1), routeConfigurations: xds.routeConfigurations.slice(0, 1) }));
    // (one listener: addresses do not matter)
    fc.assert(
      fc.property(singlePort, fc.array(request.map((r) => ({ ...r, port: 80, authority: r.authority.replace(':8080', ':80') })), { minLength: 20, maxLength: 20 }), (xds, reqs) => {
        const { config } = translate(xds, { portMatch: 'none' });
        for (const req of reqs) {
          const envoy = envoyActionKey(envoyRoute(xds, req)?.route);
          const apisix = apisixActionKey(apisixRoute(config.routes, req), config, clusterOfNode);
          if (envoy !== apisix) throw new Error(`request ${JSON.stringify(req)}: Envoy ${envoy}, APISIX ${apisix}\n${describeMesh(xds)}`);
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 150) },
    );
  });

  test('a shadowing-sensitive vhost (catch-all with a header first, longer prefix later) keeps Envoy order', () => {
    const xds = resources({
      listeners: [httpListener(80, '80')],
      routeConfigurations: [
        routeConfig({
          name: '80',
          virtualHosts: [
            {
              name: 'a',
              domains: ['a.example'],
              routes: [
                { match: { pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'x-a', headerMatchSpecifier: { case: 'exactMatch', value: '1' } }] }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c0' } } } },
                { match: { pathSpecifier: { case: 'prefix', value: '/api' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: 'c1' } } } },
              ],
            },
          ],
        }),
      ],
      clusters: CLUSTERS.map((c, i) => staticCluster(c, `10.0.0.${i + 1}`)),
    });
    const { config } = translate(xds);
    const req = (headers: Record<string, string>): MatchRequest => testRequest('a.example', '/api/x', { headers });
    expect(apisixActionKey(apisixRoute(config.routes, req({ 'x-a': '1' })), config, clusterOfNode)).toBe('cluster:c0');
    expect(apisixActionKey(apisixRoute(config.routes, req({})), config, clusterOfNode)).toBe('cluster:c1');
    // Both routes share the `/*` key and carry their paths in vars.
    expect(config.routes.every((r) => r.uris?.[0] === '/*')).toBe(true);
  });
});

/**
 * REDIRECT interception (portMatch `capture`): outbound listeners on 80 and 8080 and a
 * virtualInbound with one or two chains on the SAME ports, each with generated vhosts (`*` in
 * both directions included). Clients put `:port` in Host iff the port is not 80; APISIX sees the
 * capture port of the direction as `$server_port`, Envoy picks the listener by direction and
 * original port.
 */
const captureMesh: fc.Arbitrary<XdsResources> = fc
  .tuple(vhosts, vhosts, vhosts, fc.option(vhosts, { nil: undefined }))
  .map(([out80, out8080, in1, in2]) => {
    const inbound = [{ port: 8080, vh: in1 }, ...(in2 ? [{ port: 80, vh: in2 }] : [])];
    return resources({
      listeners: [
        httpListener(80, '80'),
        httpListener(8080, '8080'),
        virtualInbound(inbound.map((c) => ({ port: c.port, routeConfig: { name: `inbound|${c.port}||`, virtualHosts: withPorts(uniqueDomains(c.vh), c.port) } }))),
      ],
      routeConfigurations: [
        routeConfig({ name: '80', virtualHosts: withPorts(uniqueDomains(out80), 80) }),
        routeConfig({ name: '8080', virtualHosts: withPorts(uniqueDomains(out8080), 8080) }),
      ],
      clusters: CLUSTERS.map((c, i) => staticCluster(c, `10.0.0.${i + 1}`)),
    });
  });

/** The original ports the mesh's inbound chains take. */
function inboundPorts(xds: XdsResources): number[] {
  const l = xds.listeners.find((x) => x.name === 'virtualInbound');
  return (l?.filterChains ?? []).flatMap((c) => (c.filterChainMatch?.destinationPort === undefined ? [] : [c.filterChainMatch.destinationPort]));
}

/** A request to a generated mesh: inbound ones go to a port an inbound chain takes. */
const captureRequest = fc
  .record({
    direction: fc.constantFrom('inbound' as const, 'outbound' as const),
    host: fc.constantFrom(...HOSTS, 'x.example', 'B.example'),
    pick: fc.nat(),
    port: fc.constantFrom(...PORTS),
    method: fc.constantFrom('GET', 'POST'),
    path: fc.constantFrom(...PATHS),
    headers: fc.dictionary(fc.constantFrom(...HEADER_NAMES), value, { maxKeys: 2 }),
    query: fc.dictionary(fc.constant('q'), value, { maxKeys: 1 }),
  })
  .map(({ host, pick, ...r }) => (xds: XdsResources): MatchRequest => {
    const ins = inboundPorts(xds);
    const port = r.direction === 'inbound' ? ins[pick % ins.length]! : r.port;
    return { ...r, port, authority: port === 80 ? host : `${host}:${port}` };
  });

/** The first request on which Envoy and APISIX differ for the mesh translated with `portMatch`, if any. */
function captureDisagreement(xds: XdsResources, reqs: ((xds: XdsResources) => MatchRequest)[], portMatch: PortMatch): string | undefined {
  const { config } = translate(xds, { portMatch });
  for (const make of reqs) {
    const req = make(xds);
    const envoy = envoyActionKey(envoyRoute(xds, req)?.route);
    const apisix = apisixActionKey(apisixRoute(config.routes, captured(req, DEFAULT_CAPTURE_PORTS)), config, clusterOfNode);
    if (envoy !== apisix) return `request ${JSON.stringify(req)}: Envoy ${envoy}, APISIX ${apisix}\n${describeMesh(xds)}\n${JSON.stringify(config.routes)}`;
  }
  return undefined;
}

describe('APISIX picks what Envoy picks behind REDIRECT interception (portMatch capture)', () => {
  const reqs = fc.array(captureRequest, { minLength: 30, maxLength: 30 });

  test('outbound and inbound requests end in the same action', () => {
    fc.assert(
      fc.property(captureMesh, reqs, (xds, list) => {
        const { report } = translate(xds, { portMatch: 'capture' });
        // Inbound and outbound `*` vhosts never collide: nothing is dropped.
        expect(report.filter((r) => r.severity === 'dropped' || r.reason.includes('already'))).toEqual([]);
        const bad = captureDisagreement(xds, list, 'capture');
        if (bad) throw new Error(bad);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 300) },
    );
  });

  test.each(['server_port', 'none'] as const)('the same meshes and requests tell %s apart from capture (the property can fail)', (mode) => {
    const outcome = fc.check(
      fc.property(captureMesh, reqs, (xds, list) => captureDisagreement(xds, list, mode) === undefined),
      { numRuns: 300, seed: 42 },
    );
    expect(outcome.failed).toBe(true);
  });
});

describe('translate on arbitrary input', () => {
  test('never throws, output schema-valid, deterministic byte for byte', () => {
    fc.assert(
      fc.property(mesh, (xds) => {
        const a = translate(xds);
        const b = translate(xds);
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        expect(schemaViolations(a.config)).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
