import fc from 'fast-check';
import { fromBinary, type DescMessage } from '@bufbuild/protobuf';
import { ClusterSchema, ListenerSchema, RouteConfigurationSchema } from '@amesh/proto';
import { translate } from './translate.js';
import { schemaViolations } from './testing/schema-check.js';
import { httpListener, resources, routeConfig, staticCluster, tcpListener, type RouteInit, type VirtualHostInit } from './testing/xds-builders.js';

// Invalid and odd input: translate must never throw, and whatever it emits must be schema-valid.

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', '*', '/', 'a:b', '%REQ(x)%', '$host', '(', '[', '\\1', '(?=x)', 'é', ' ', 'a/', '*.x', 'x.*', '[::1]:80'));
const num = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.constantFrom(0, 1, 99, 100, 199, 200, 404, 599, 600));

const stringMatcher = fc.record({
  matchPattern: fc.oneof(
    fc.record({ case: fc.constantFrom('exact' as const, 'prefix' as const, 'suffix' as const, 'contains' as const), value: text }),
    fc.record({ case: fc.constant('safeRegex' as const), value: fc.record({ regex: text }) }),
  ),
  ignoreCase: fc.boolean(),
});
const header = fc.record({
  name: text,
  invertMatch: fc.boolean(),
  treatMissingHeaderAsEmpty: fc.boolean(),
  headerMatchSpecifier: fc.oneof(
    fc.record({ case: fc.constantFrom('exactMatch' as const, 'prefixMatch' as const, 'suffixMatch' as const, 'containsMatch' as const), value: text }),
    fc.record({ case: fc.constant('presentMatch' as const), value: fc.boolean() }),
    fc.record({ case: fc.constant('safeRegexMatch' as const), value: fc.record({ regex: text }) }),
    fc.record({ case: fc.constant('rangeMatch' as const), value: fc.record({ start: fc.bigInt(-10n, 10n), end: fc.bigInt(-10n, 10n) }) }),
    fc.record({ case: fc.constant('stringMatch' as const), value: stringMatcher }),
  ),
});
const headerOption = fc.record({ header: fc.record({ key: text, value: text }), appendAction: fc.integer({ min: 0, max: 3 }) });
const cluster = fc.constantFrom('c0', 'c1', 'missing', '');
const routeAction = fc.record(
  {
    clusterSpecifier: fc.oneof(
      fc.record({ case: fc.constant('cluster' as const), value: cluster }),
      fc.record({ case: fc.constant('weightedClusters' as const), value: fc.record({ clusters: fc.array(fc.record({ name: cluster, weight: fc.integer({ min: 0, max: 3 }) }), { maxLength: 3 }) }) }),
      fc.record({ case: fc.constant('clusterHeader' as const), value: text }),
    ),
    prefixRewrite: text,
    regexRewrite: fc.option(fc.record({ pattern: fc.record({ regex: text }), substitution: text }), { nil: undefined }),
    hostRewriteSpecifier: fc.oneof(fc.record({ case: fc.constant('hostRewriteLiteral' as const), value: text }), fc.constant({ case: undefined })),
    timeout: fc.option(fc.record({ seconds: fc.bigInt(0n, 100n), nanos: fc.integer({ min: 0, max: 999_999_999 }) }), { nil: undefined }),
    retryPolicy: fc.option(fc.record({ retryOn: text, numRetries: fc.integer({ min: 0, max: 10 }) }), { nil: undefined }),
    requestMirrorPolicies: fc.array(fc.record({ cluster }), { maxLength: 2 }),
    hashPolicy: fc.array(fc.record({ policySpecifier: fc.record({ case: fc.constant('header' as const), value: fc.record({ headerName: text }) }) }), { maxLength: 1 }),
  },
  { requiredKeys: ['clusterSpecifier'] },
);
const action = fc.oneof(
  fc.record({ case: fc.constant('route' as const), value: routeAction }),
  fc.record({ case: fc.constant('redirect' as const), value: fc.record({ hostRedirect: text, portRedirect: fc.integer({ min: 0, max: 70000 }), pathRewriteSpecifier: fc.oneof(fc.record({ case: fc.constantFrom('pathRedirect' as const, 'prefixRewrite' as const), value: text }), fc.constant({ case: undefined })), responseCode: fc.integer({ min: 0, max: 6 }) }) }),
  fc.record({ case: fc.constant('directResponse' as const), value: fc.record({ status: num, body: fc.record({ specifier: fc.record({ case: fc.constant('inlineString' as const), value: text }) }) }) }),
  fc.constant({ case: undefined }),
);
const route = fc.record({
  name: text,
  match: fc.option(
    fc.record({
      pathSpecifier: fc.oneof(
        fc.record({ case: fc.constantFrom('prefix' as const, 'path' as const, 'pathSeparatedPrefix' as const), value: text }),
        fc.record({ case: fc.constant('safeRegex' as const), value: fc.record({ regex: text }) }),
      ),
      caseSensitive: fc.option(fc.boolean(), { nil: undefined }),
      headers: fc.array(header, { maxLength: 2 }),
      queryParameters: fc.array(fc.record({ name: text, queryParameterMatchSpecifier: fc.record({ case: fc.constant('stringMatch' as const), value: stringMatcher }) }), { maxLength: 1 }),
    }),
    { nil: undefined },
  ),
  action,
  requestHeadersToAdd: fc.array(headerOption, { maxLength: 2 }),
  responseHeadersToAdd: fc.array(headerOption, { maxLength: 2 }),
  requestHeadersToRemove: fc.array(text, { maxLength: 2 }),
}) as unknown as fc.Arbitrary<RouteInit>;
const vhost = fc.record({ name: text, domains: fc.array(text, { maxLength: 3 }), routes: fc.array(route, { maxLength: 4 }) }) as unknown as fc.Arbitrary<VirtualHostInit>;

describe('translate on invalid input', () => {
  test('arbitrary field values: no throw, schema-valid output, deterministic', () => {
    fc.assert(
      fc.property(fc.array(vhost, { maxLength: 4 }), fc.constantFrom(80, 0, 65535), (vhosts, port) => {
        const xds = resources({
          listeners: [httpListener(port, 'rc'), tcpListener('10.0.0.9', port, 'c1', ['a.example'])],
          routeConfigurations: [routeConfig({ name: 'rc', virtualHosts: vhosts })],
          clusters: [staticCluster('c0', '10.0.0.1'), staticCluster('c1', '10.0.0.2')],
        });
        const a = translate(xds);
        expect(schemaViolations(a.config)).toEqual([]);
        expect(JSON.stringify(translate(xds))).toBe(JSON.stringify(a));
      }),
      { numRuns: 300 },
    );
  });

  test('messages decoded from random bytes: no throw, schema-valid output', () => {
    const decode = <T>(schema: DescMessage, bytes: Uint8Array): T[] => {
      try {
        return [fromBinary(schema, bytes) as T];
      } catch {
        return [];
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (l, r, c) => {
        const xds = resources({
          listeners: [...decode<ReturnType<typeof httpListener>>(ListenerSchema, l), httpListener(80, '')],
          routeConfigurations: decode(RouteConfigurationSchema, r),
          clusters: [...decode<ReturnType<typeof staticCluster>>(ClusterSchema, c), staticCluster('c0', '10.0.0.1')],
        });
        const out = translate(xds);
        expect(schemaViolations(out.config)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
