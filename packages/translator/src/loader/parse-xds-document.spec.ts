import { equals } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, HttpConnectionManagerSchema, RouteConfigurationSchema } from '@amesh/proto';
import { TypedStructSchema } from '@amesh/proto/gen/xds/type/v3/typed_struct_pb';
import { parseXdsDocument } from './parse-xds-document.js';
import { XdsLoadError } from './xds-load-error.js';

const T = {
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  cla: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
  hcm: 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
};

const snakeCluster = {
  name: 'outbound|9080||reviews.default.svc.cluster.local',
  type: 'EDS',
  connect_timeout: '10s',
  lb_policy: 'LEAST_REQUEST',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: 'outbound|9080||reviews.default.svc.cluster.local' },
  circuit_breakers: { thresholds: [{ max_connections: 4294967295, max_retries: 4294967295 }] },
};
const camelCluster = {
  name: 'outbound|9080||reviews.default.svc.cluster.local',
  type: 'EDS',
  connectTimeout: '10s',
  lbPolicy: 'LEAST_REQUEST',
  edsClusterConfig: { edsConfig: { ads: {}, resourceApiVersion: 'V3' }, serviceName: 'outbound|9080||reviews.default.svc.cluster.local' },
  circuitBreakers: { thresholds: [{ maxConnections: 4294967295, maxRetries: 4294967295 }] },
};

function parseError(text: string, source = 'in.json'): XdsLoadError {
  try {
    parseXdsDocument(text, source);
  } catch (err) {
    if (err instanceof XdsLoadError) return err;
    throw err;
  }
  throw new Error('expected an XdsLoadError');
}

describe('document formats', () => {
  test('snake_case config_dump and camelCase DiscoveryResponse decode to the same Cluster', () => {
    const dump = parseXdsDocument(
      JSON.stringify({
        configs: [
          {
            '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
            version_info: '7',
            dynamic_active_clusters: [{ version_info: '7', cluster: { '@type': T.cluster, ...snakeCluster } }],
          },
        ],
      }),
      'dump.json',
    );
    const response = parseXdsDocument(
      JSON.stringify({ versionInfo: '7', typeUrl: T.cluster, nonce: 'n', resources: [{ '@type': T.cluster, ...camelCluster }] }),
      'dr.json',
    );
    expect(dump.sources[0]).toMatchObject({ format: 'config-dump', resources: [{ kind: 'Cluster', versionInfo: '7', origin: 'dynamic' }] });
    expect(response.sources[0]).toMatchObject({ format: 'discovery-response', versionInfo: '7' });
    const [a] = dump.resources.clusters;
    const [b] = response.resources.clusters;
    expect(a!.connectTimeout?.seconds).toBe(10n);
    expect(equals(ClusterSchema, a!, b!)).toBe(true);
    expect(dump.report).toEqual([]);
  });

  test('a DiscoveryResponse gives its type to resources without "@type"', () => {
    const r = parseXdsDocument(JSON.stringify({ type_url: T.cluster, resources: [camelCluster] }), 'dr.json');
    expect(r.resources.clusters.map((c) => c.name)).toEqual([camelCluster.name]);
  });

  test('a resource list of {name, resource} wrappers in YAML (Kuma plugin goldens), names from the wrapper', () => {
    const yaml = `resources:\n- name: backend\n  resource:\n    '@type': ${T.cla}\n    endpoints: []\n`;
    const r = parseXdsDocument(yaml, 'x.yaml');
    expect(r.sources[0]!.format).toBe('resource-list');
    expect(r.resources.clusterLoadAssignments.map((c) => c.clusterName)).toEqual(['backend']);
  });

  test('Delta-style envoy.service.discovery.v3.Resource wrappers are unwrapped, version kept', () => {
    const r = parseXdsDocument(
      JSON.stringify({ resources: [{ '@type': 'type.googleapis.com/envoy.service.discovery.v3.Resource', name: 'r1', version: 'v9', resource: { '@type': T.route } }] }),
      'delta.json',
    );
    expect(r.resources.routeConfigurations.map((x) => x.name)).toEqual(['r1']);
    expect(r.sources[0]!.resources[0]).toMatchObject({ name: 'r1', versionInfo: 'v9', path: 'resources[0].resource' });
  });

  test('a Kuma xds map: the map key names resources that lack a name', () => {
    const r = parseXdsDocument(JSON.stringify({ diff: [], xds: { [T.cla]: { svc: { endpoints: [] } }, [T.secret]: { s: { name: 's' } } } }), 'k.json');
    expect(r.sources[0]!.format).toBe('xds-map');
    expect(r.resources.clusterLoadAssignments[0]!.clusterName).toBe('svc');
    expect(r.resources.secrets[0]!.name).toBe('s');
  });

  test('an Envoy static bootstrap in YAML reads static_resources', () => {
    const yaml = [
      'admin: {address: {socket_address: {address: 0.0.0.0, port_value: 9901}}}',
      'static_resources:',
      '  clusters:',
      '  - name: backend',
      '    type: STRICT_DNS',
      '    load_assignment:',
      '      cluster_name: backend',
      '      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: web, port_value: 80}}}}]}]',
    ].join('\n');
    const r = parseXdsDocument(yaml, 'envoy.yaml');
    expect(r.sources[0]).toMatchObject({ format: 'bootstrap', resources: [{ kind: 'Cluster', name: 'backend', origin: 'static' }] });
    const sa = r.resources.clusters[0]!.loadAssignment?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
    expect(sa?.case === 'endpoint' && sa.value.address?.address.case === 'socketAddress' && sa.value.address.address.value.address).toBe('web');
  });

  test('bare lists: type from "@type", from the file name, or from the fields only one kind has', () => {
    expect(parseXdsDocument(`- '@type': ${T.route}\n  name: a\n`, 'any.yaml').resources.routeConfigurations).toHaveLength(1);
    expect(parseXdsDocument('- name: a\n', 'scenario.clusters.yaml').resources.clusters).toHaveLength(1);
    // The file name only fills in: an explicit "@type" wins.
    expect(parseXdsDocument(`- name: a\n- {'@type': '${T.route}', name: r}\n`, 'x.clusters.yaml').resources.routeConfigurations).toHaveLength(1);
    const guessed = parseXdsDocument('- cluster_name: c\n  endpoints: []\n- name: r\n  virtual_hosts: []\n', 'mixed.yaml');
    expect(guessed.resources.clusterLoadAssignments).toHaveLength(1);
    expect(guessed.resources.routeConfigurations).toHaveLength(1);
  });

  test("YAML's unquoted numbers are read as text where the field is a string", () => {
    const r = parseXdsDocument(`'@type': ${T.route}\nname: 9080\nvirtual_hosts:\n- name: v\n  domains: [8080, a]\n`, 'r.yaml');
    expect(r.resources.routeConfigurations[0]!.name).toBe('9080');
    expect(r.resources.routeConfigurations[0]!.virtualHosts[0]!.domains).toEqual(['8080', 'a']);
  });

  test('one resource with "@type", and multi-document YAML', () => {
    expect(parseXdsDocument(JSON.stringify({ '@type': T.listener, name: 'l' }), 'l.json').resources.listeners).toHaveLength(1);
    const r = parseXdsDocument(`'@type': ${T.listener}\nname: a\n---\n'@type': ${T.listener}\nname: b\n`, 'two.yaml');
    expect(r.resources.listeners.map((l) => l.name)).toEqual(['a', 'b']);
    expect(r.sources.map((s) => s.resources[0]!.path)).toEqual(['documents[0]', 'documents[1]']);
  });

  test('a name defined twice keeps the later definition and reports the replaced one', () => {
    const r = parseXdsDocument(JSON.stringify([{ '@type': T.cluster, name: 'c', type: 'STATIC' }, { '@type': T.cluster, name: 'c', type: 'EDS' }]), 'dup.json');
    expect(r.resources.clusters).toHaveLength(1);
    expect(r.resources.clusters[0]!.clusterDiscoveryType.value).toBe(3); // EDS
    expect(r.report).toEqual([expect.objectContaining({ kind: 'Cluster', name: 'c', severity: 'ignored', reason: expect.stringContaining('dup.json at [0] is replaced') })]);
  });
});

describe('what is kept, skipped and reported', () => {
  const listenerWith = (httpFilter: object) =>
    JSON.stringify({
      '@type': T.listener,
      name: 'l',
      filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': T.hcm, stat_prefix: 's', http_filters: [httpFilter] } }] }],
    });
  const hcmOf = (r: ReturnType<typeof parseXdsDocument>) => {
    const f = r.resources.listeners[0]!.filterChains[0]!.filters[0]!;
    return anyUnpack(f.configType.value as never, HttpConnectionManagerSchema)!;
  };

  test('an Any of a type no registry knows becomes a TypedStruct with the original type URL and value', () => {
    const r = parseXdsDocument(listenerWith({ name: 'x', typed_config: { '@type': 'type.googleapis.com/acme.Filter', level: 3, tags: ['a'] } }), 'l.json');
    const any = hcmOf(r).httpFilters[0]!.configType.value as Parameters<typeof anyUnpack>[0];
    const ts = anyUnpack(any, TypedStructSchema);
    expect(ts?.typeUrl).toBe('type.googleapis.com/acme.Filter');
    expect(ts?.value).toEqual({ level: 3, tags: ['a'] });
    expect(r.report).toEqual([
      expect.objectContaining({
        kind: 'Listener',
        name: 'l',
        severity: 'ignored',
        path: 'filter_chains[0].filters[0].typed_config.http_filters[0].typed_config',
        reason: expect.stringContaining('acme.Filter is unknown'),
      }),
    ]);
  });

  test('an Any of a type with a descriptor but no generated code is kept as raw Any and reported', () => {
    const r = parseXdsDocument(listenerWith({ name: 'b', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer', max_request_bytes: 5 } }), 'l.json');
    const any = hcmOf(r).httpFilters[0]!.configType.value as { typeUrl: string; value: Uint8Array };
    expect(any.typeUrl).toBe('type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer');
    expect(any.value.length).toBeGreaterThan(0);
    expect(r.report[0]!.reason).toContain('buffer.v3.Buffer is not one amesh translates');
  });

  test('a field unknown to our protos is left out and reported with its path', () => {
    const r = parseXdsDocument(JSON.stringify({ '@type': T.route, name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], shiny_new_field: 1 }] }), 'r.json');
    expect(r.resources.routeConfigurations[0]!.virtualHosts[0]!.domains).toEqual(['*']);
    expect(r.report).toEqual([expect.objectContaining({ path: 'virtual_hosts[0].shiny_new_field', severity: 'ignored' })]);
  });

  test('redacted private keys ([redacted], base64 or string) are left out and reported as dropped', () => {
    const secret = (pk: object) => JSON.stringify({ '@type': T.secret, name: 's', tls_certificate: { certificate_chain: { inline_string: 'CERT' }, private_key: pk } });
    for (const pk of [{ inline_bytes: 'W3JlZGFjdGVkXQ==' }, { inline_string: '[redacted]' }, { inline_bytes: 'CERT_REDACTED' }]) {
      const r = parseXdsDocument(secret(pk), 's.json');
      const s = r.resources.secrets[0]!;
      expect(s.type.case === 'tlsCertificate' && s.type.value.privateKey).toBeUndefined();
      expect(r.report).toEqual([expect.objectContaining({ kind: 'Secret', name: 's', path: 'tls_certificate.private_key', severity: 'dropped' })]);
    }
  });

  test('config dump sections without translatable resources, warming state and unsupported types are reported, not thrown', () => {
    const r = parseXdsDocument(
      JSON.stringify({
        configs: [
          { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump', bootstrap: {} },
          { '@type': 'type.googleapis.com/envoy.admin.v3.EcdsConfigDump', ecds_filters: [{}] },
          { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_warming_clusters: [{ cluster: { '@type': T.cluster, name: 'w' } }] },
          { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [{ name: 'x', warming_state: { listener: { '@type': T.listener, name: 'x' } } }] },
          { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', static_route_configs: [{ route_config: { '@type': 'type.googleapis.com/envoy.api.v2.RouteConfiguration' } }] },
        ],
      }),
      'd.json',
    );
    expect(r.resources.clusters).toEqual([]);
    expect(r.resources.listeners).toEqual([]);
    expect(r.report.map((i) => [i.kind, i.path])).toEqual([
      ['Document', 'configs[1]'],
      ['Document', 'configs[2].dynamic_warming_clusters'],
      ['Document', 'configs[3].dynamic_listeners[0].warming_state'],
      ['Document', 'configs[4].static_route_configs[0].route_config'],
    ]);
    expect(r.report.every((i) => i.source === 'd.json' && i.severity === 'ignored')).toBe(true);
  });
});

describe('errors name the file, the JSON path and what is expected', () => {
  test('invalid JSON gives the line and column', () => {
    const e = parseError('{\n  "resources": [\n    {"name": "a",}\n  ]\n}', 'bad.json');
    expect(e.code).toBe('syntax');
    expect(e.message).toMatch(/^bad\.json: invalid JSON \(line 3, column \d+\)/);
  });

  test('invalid YAML gives the line', () => {
    const e = parseError('resources:\n  - name: a\n   bad: [\n', 'bad.yaml');
    expect(e.code).toBe('syntax');
    expect(e.message).toMatch(/^bad\.yaml: invalid YAML \(line \d+, column \d+\)/);
  });

  test('an empty document', () => {
    expect(parseError('  \n', 'empty.yaml').message).toBe('empty.yaml: the document is empty: expected xDS resources in JSON or YAML');
  });

  test('a wrong duration deep in a config dump', () => {
    const text = JSON.stringify({
      configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [{ cluster: { '@type': T.cluster, ...snakeCluster, connect_timeout: 'soon' } }] }],
    });
    const e = parseError(text, 'dump.json');
    expect(e.path).toBe('configs[0].dynamic_active_clusters[0].cluster.connect_timeout');
    expect(e.message).toContain('dump.json: at configs[0].dynamic_active_clusters[0].cluster.connect_timeout: invalid Cluster: expected a duration string such as "1.5s", got "soon"');
  });

  test('a wrong integer inside nested lists, camelCase path as written', () => {
    const text = JSON.stringify([
      { clusterName: 'c', endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: '10.0.0.1', portValue: 'http' } } } }] }] },
    ]);
    const e = parseError(text, 'x.endpoints.json');
    expect(e.path).toBe('[0].endpoints[0].lbEndpoints[0].endpoint.address.socketAddress.portValue');
    expect(e.problem).toContain('expected an integer from 0 to 4294967295, got "http"');
  });

  test('an unknown enum value lists the accepted ones', () => {
    const e = parseError(JSON.stringify({ '@type': T.cluster, name: 'c', lb_policy: 'FASTEST' }), 'c.json');
    expect(e.path).toBe('lb_policy');
    expect(e.problem).toMatch(/expected one of ROUND_ROBIN, LEAST_REQUEST, RING_HASH/);
  });

  test('a message given as a string, and a list given as an object', () => {
    expect(parseError(JSON.stringify({ '@type': T.route, name: 'r', virtual_hosts: { name: 'v' } }), 'r.json').problem).toContain(
      'expected a list of an object (envoy.config.route.v3.VirtualHost), got an object',
    );
    const e = parseError(JSON.stringify({ '@type': T.route, name: 'r', virtual_hosts: [{ name: 'v', routes: ['x'] }] }), 'r.json');
    expect(e.path).toBe('virtual_hosts[0].routes[0]');
  });

  test('a resource of another kind where the DiscoveryResponse promised one', () => {
    const e = parseError(JSON.stringify({ typeUrl: T.cluster, resources: [{ '@type': T.listener, name: 'l' }] }), 'dr.json');
    expect(e.message).toBe('dr.json: at resources[0].@type: expected a Cluster here, got envoy.config.listener.v3.Listener');
  });

  test('an unknown top-level shape', () => {
    const e = parseError(JSON.stringify({ kind: 'Deployment', spec: {} }), 'k8s.json');
    expect(e.code).toBe('shape');
    expect(e.message).toMatch(/^k8s\.json: unknown top-level shape \(keys: kind, spec\): expected an Envoy config_dump/);
    expect(parseError('42', 'n.yaml').code).toBe('shape');
  });

  test('a bare list whose items have no recognisable type', () => {
    const e = parseError('- foo: 1\n', 'list.yaml');
    expect(e.message).toContain('list.yaml: at [0]: cannot tell the resource type: expected an "@type" field');
  });

  test('structural errors: configs not a list, section without @type, list item not an object', () => {
    expect(parseError(JSON.stringify({ configs: {} }), 'a.json').message).toBe('a.json: at configs: expected a list, got an object');
    expect(parseError(JSON.stringify({ configs: [{}] }), 'a.json').path).toBe('configs[0].@type');
    expect(parseError(JSON.stringify({ resources: [1] }), 'a.json').message).toBe('a.json: at resources[0]: expected a resource (an object), got number 1');
  });

  test('a oneof set twice is reported at the message that holds it', () => {
    const e = parseError(JSON.stringify({ '@type': T.route, name: 'r', virtual_hosts: [{ name: 'v', routes: [{ match: { prefix: '/', path: '/x' } }] }] }), 'r.json');
    expect(e.path).toBe('virtual_hosts[0].routes[0].match');
    expect(e.problem).toMatch(/oneof/);
  });

  test('RouteConfigurationSchema decoding of the success path is unaffected by the locator', () => {
    const r = parseXdsDocument(JSON.stringify({ '@type': T.route, name: 'r', virtual_hosts: [{ name: 'v', domains: ['a'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] }), 'r.json');
    expect(equals(RouteConfigurationSchema, r.resources.routeConfigurations[0]!, r.resources.routeConfigurations[0]!)).toBe(true);
    expect(r.resources.routeConfigurations[0]!.virtualHosts[0]!.routes[0]!.action.case).toBe('route');
  });
});
