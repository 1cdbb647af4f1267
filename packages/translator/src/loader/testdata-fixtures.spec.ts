import * as path from 'node:path';
import { equals, toJson, type Message } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { envoyRegistry, HttpConnectionManagerSchema, typeRegistry } from '@amesh/proto';
import { TypedStructSchema } from '@amesh/proto/gen/xds/type/v3/typed_struct_pb';
import type { XdsResources } from '../xds-resources.js';
import { loadXdsPaths } from './load-xds-paths.js';
import type { LoadResult } from './load-result.js';
import { parseXdsDocument } from './parse-xds-document.js';
import { RESOURCE_KINDS } from './resource-kinds.js';

const XDS = path.join(__dirname, '../../../../testdata/xds');

function counts(resources: XdsResources): Record<string, number> {
  return {
    listeners: resources.listeners.length,
    routeConfigurations: resources.routeConfigurations.length,
    clusters: resources.clusters.length,
    clusterLoadAssignments: resources.clusterLoadAssignments.length,
    secrets: resources.secrets.length,
  };
}

const load = (file: string): Promise<LoadResult> => loadXdsPaths([path.join(XDS, file)]);
const c = (l: number, r: number, cl: number, e: number, s: number) => ({
  listeners: l,
  routeConfigurations: r,
  clusters: cl,
  clusterLoadAssignments: e,
  secrets: s,
});

// Every fixture of testdata/xds with the number of resources of each kind it holds.
const EXPECTED: [string, string, ReturnType<typeof c>][] = [
  ['consul/endpoints/connect-proxy-with-chain-and-failover.envoy-1-18-x.golden', 'discovery-response', c(0, 0, 0, 2, 0)],
  ['envoy-examples/locality-load-balancing.envoy.yaml', 'bootstrap', c(1, 0, 1, 0, 0)],
  ['envoy-gateway/backend-priority.endpoints.yaml', 'bare-list', c(0, 0, 0, 3, 0)],
  ['envoy-gateway/backend-tls-settings.clusters.yaml', 'bare-list', c(0, 0, 4, 0, 0)],
  ['envoy-gateway/circuit-breaker.clusters.yaml', 'bare-list', c(0, 0, 1, 0, 0)],
  ['envoy-gateway/cors.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-direct-response.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-multiple-matches.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-regex.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-rewrite-url-prefix.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-weighted-backend-with-filters.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['envoy-gateway/http-route-weighted-backend.endpoints.yaml', 'bare-list', c(0, 0, 0, 1, 0)],
  ['envoy-gateway/load-balancer.clusters.yaml', 'bare-list', c(0, 0, 17, 0, 0)],
  ['envoy-gateway/retry.routes.yaml', 'bare-list', c(0, 1, 0, 0, 0)],
  ['istio/bootstrap-default_golden.json', 'bootstrap', c(2, 0, 4, 0, 0)],
  ['istio/ingressgateway-full-cds-istio1.7.config_dump.json', 'config-dump', c(0, 2, 59, 0, 2)],
  ['istio/sidecar-eds-bookinfo.configdump.json', 'config-dump', c(0, 0, 0, 37, 0)],
  ['istio/sidecar-lds-full.configdump.yaml', 'config-dump', c(29, 0, 0, 0, 0)],
  ['istio/waypoint-all-types-mini.config_dump.json', 'config-dump', c(2, 1, 3, 2, 2)],
  ['kuma/e2e-sidecar/circuitbreaker-outbound/demo-client.golden.json', 'xds-map', c(8, 0, 10, 2, 1)],
  ['kuma/e2e-sidecar/lb-ringhash/demo-client.golden.json', 'xds-map', c(8, 0, 10, 2, 1)],
  ['kuma/e2e-sidecar/mtls-inbound-permissive/test-server.golden.json', 'xds-map', c(8, 0, 10, 2, 1)],
  ['kuma/e2e-sidecar/retry-outbound-route/demo-client.golden.json', 'xds-map', c(8, 0, 10, 2, 1)],
  ['kuma/e2e-sidecar/timeout-outbound-route/demo-client.golden.json', 'xds-map', c(8, 0, 10, 2, 1)],
  ['kuma/meshhttproute/headers-match.listeners.golden.yaml', 'resource-list', c(1, 0, 0, 0, 0)],
  ['kuma/meshhttproute/request-header-modifiers.listeners.golden.yaml', 'resource-list', c(1, 0, 0, 0, 0)],
  ['osm/curl_egress.config_dump.json', 'config-dump', c(1, 2, 4, 0, 4)],
];

describe('every fixture in testdata/xds loads', () => {
  test.each(EXPECTED)('%s (%s)', async (file, format, expected) => {
    const result = await load(file);
    expect(result.sources.map((s) => s.format)).toEqual([format]);
    expect(counts(result.resources)).toEqual(expected);
    // Only static resources of dumps (inline route configs, bootstrap listeners) may be nameless.
    for (const ref of result.sources[0]!.resources) if (ref.origin !== 'static') expect(ref.name).not.toBe('');
  });

  test('the whole folder loads, skipping and reporting the Kuma policy inputs that are not xDS', async () => {
    const result = await loadXdsPaths([XDS]);
    expect(result.sources).toHaveLength(EXPECTED.length);
    const skipped = result.report.filter((r) => r.reason.startsWith('not an xDS document'));
    expect(skipped.map((r) => path.basename(r.source))).toEqual(Array(5).fill('input.yaml'));
  });
});

describe('fixture content', () => {
  test('Istio EDS: 32 dynamic CLAs, reviews has 3 endpoints, version and origin kept', async () => {
    const result = await load('istio/sidecar-eds-bookinfo.configdump.json');
    const refs = result.sources[0]!.resources;
    expect(refs.filter((r) => r.origin === 'dynamic')).toHaveLength(32);
    expect(refs.filter((r) => r.origin === 'static').map((r) => r.name)).toContain('xds-grpc');
    const reviews = result.resources.clusterLoadAssignments.find((c) => c.clusterName === 'outbound|9080||reviews.default.svc.cluster.local');
    expect(reviews?.endpoints.flatMap((l) => l.lbEndpoints)).toHaveLength(3);
  });

  test('Istio 1.7 CDS: 59 v3 clusters; v2 static clusters skipped, the duplicate secret replaced, both reported', async () => {
    const result = await load('istio/ingressgateway-full-cds-istio1.7.config_dump.json');
    expect(result.resources.secrets.map((s) => s.name)).toEqual(['default', 'ROOTCA']);
    expect(result.report).toContainEqual(expect.objectContaining({ kind: 'Secret', name: 'default', severity: 'ignored', reason: expect.stringContaining('defined again') }));
    expect(result.resources.clusters.map((c) => c.name)).toContain('BlackHoleCluster');
    expect(result.sources[0]!.resources.find((r) => r.kind === 'Cluster')?.versionInfo).toBeTruthy();
    const v2 = result.report.filter((r) => r.kind === 'Document' && r.reason.includes('envoy.api.v2.Cluster'));
    expect(v2).toHaveLength(5);
    expect(v2[0]!.path).toMatch(/^configs\[1\]\.static_clusters\[\d\]\.cluster$/);
  });

  test('redacted private keys are left out and reported as dropped', async () => {
    const result = await load('osm/curl_egress.config_dump.json');
    const secret = result.resources.secrets.find((s) => s.name === 'service-cert:curl/curl');
    const cert = secret?.type.case === 'tlsCertificate' ? secret.type.value : undefined;
    expect(cert?.certificateChain).toBeDefined();
    expect(cert?.privateKey).toBeUndefined();
    expect(result.report).toContainEqual(
      expect.objectContaining({ kind: 'Secret', name: 'service-cert:curl/curl', path: 'tls_certificate.private_key', severity: 'dropped' }),
    );
  });

  test('Istio LDS: the HCM of 0.0.0.0_9080 unpacks; unknown typed configs are kept as TypedStruct and reported', async () => {
    const result = await load('istio/sidecar-lds-full.configdump.yaml');
    const listener = result.resources.listeners.find((l) => l.name === '0.0.0.0_9080');
    const filter = listener?.filterChains.flatMap((c) => c.filters).find((f) => f.name === 'envoy.filters.network.http_connection_manager');
    const any = filter?.configType.case === 'typedConfig' ? filter.configType.value : undefined;
    const hcm = any && anyUnpack(any, HttpConnectionManagerSchema);
    expect(hcm?.routeSpecifier.case === 'rds' && hcm.routeSpecifier.value.routeConfigName).toBe('9080');
    // istio's stats filter has no descriptor anywhere: it must survive as a TypedStruct.
    const kept = (hcm?.httpFilters ?? [])
      .map((f) => (f.configType.case === 'typedConfig' ? f.configType.value : undefined))
      .filter((a) => a?.typeUrl === 'type.googleapis.com/xds.type.v3.TypedStruct')
      .map((a) => anyUnpack(a!, TypedStructSchema));
    expect(kept.map((t) => t?.typeUrl)).toEqual(
      expect.arrayContaining(['type.googleapis.com/stats.PluginConfig', 'type.googleapis.com/istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig']),
    );
    const alpn = kept.find((t) => t?.typeUrl.includes('alpn'));
    expect(Array.isArray(alpn?.value?.['alpn_override'])).toBe(true);
    const item = result.report.find((r) => r.name === '0.0.0.0_9080' && r.reason.includes('stats.PluginConfig is unknown'));
    expect(item?.severity).toBe('ignored');
    expect(item?.path).toMatch(/^(default_filter_chain|filter_chains\[\d+\])\.filters\[0\]\.typed_config\.http_filters\[\d+\]\.typed_config$/);
    // Wasm has a descriptor but no generated code: kept as raw Any, reported.
    expect(result.report.some((r) => r.reason.includes('envoy.extensions.filters.http.wasm.v3.Wasm is not one amesh translates'))).toBe(true);
    expect(typeRegistry().getMessage('envoy.extensions.filters.http.wasm.v3.Wasm')).toBeUndefined();
  });

  test('Consul DiscoveryResponse: version kept, priorities decoded', async () => {
    const result = await load('consul/endpoints/connect-proxy-with-chain-and-failover.envoy-1-18-x.golden');
    expect(result.sources[0]!.versionInfo).toBe('00000001');
    expect(result.resources.clusterLoadAssignments[0]!.endpoints.map((e) => e.priority)).toEqual([0, 1]);
  });

  test('a field newer than our protos is left out and reported, the resource kept', async () => {
    const result = await load('envoy-gateway/http-route-direct-response.routes.yaml');
    expect(result.resources.routeConfigurations[0]!.virtualHosts.length).toBeGreaterThan(0);
    expect(result.report.some((r) => r.kind === 'RouteConfiguration' && r.path.endsWith('direct_response.bodyFormat'))).toBe(true);
  });
});

describe('both casings', () => {
  // Re-serialise every loaded fixture in snake_case and in camelCase (as a DiscoveryResponse per
  // kind) and load it again: the messages must come back identical.
  test.each(EXPECTED.map(([file]) => file))('%s round-trips through snake_case and camelCase JSON', async (file) => {
    const original = await load(file);
    const registry = envoyRegistry();
    for (const useProtoFieldName of [true, false]) {
      for (const info of RESOURCE_KINDS) {
        const list = original.resources[info.list] as Message[];
        if (list.length === 0) continue;
        const resources = list.map((m) => ({ '@type': `type.googleapis.com/${info.typeName}`, ...(toJson(info.schema, m, { registry, useProtoFieldName }) as object) }));
        const typeUrlKey = useProtoFieldName ? 'type_url' : 'typeUrl';
        const again = parseXdsDocument(JSON.stringify({ [typeUrlKey]: `type.googleapis.com/${info.typeName}`, resources }), 'again.json');
        const back = again.resources[info.list] as Message[];
        expect(back).toHaveLength(list.length);
        back.forEach((m, i) => expect(equals(info.schema, m, list[i]!)).toBe(true));
      }
    }
  });
});
