import fc from 'fast-check';
import { parseXdsDocument } from './parse-xds-document.js';
import { XdsLoadError } from './xds-load-error.js';

/** The loader either returns a result or throws an XdsLoadError: never a raw TypeError or the like. */
function loadsOrExplains(text: string): boolean {
  try {
    parseXdsDocument(text, 'prop.json');
    return true;
  } catch (err) {
    if (err instanceof XdsLoadError) return err.message.startsWith('prop.json') && err.problem.length > 0;
    throw err;
  }
}

const CLUSTER = {
  '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  name: 'c',
  type: 'EDS',
  connect_timeout: '1s',
  eds_cluster_config: { eds_config: { ads: {} } },
  load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } }] }] },
  transport_socket: { name: 'tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', sni: 'x' } },
};

/** Every path to a value inside a JSON tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (typeof value === 'object' && value !== null) return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

function replaceAt(root: unknown, at: (string | number)[], replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const copy = (Array.isArray(root) ? [...(root as unknown[])] : { ...(root as object) }) as Record<string | number, unknown>;
  copy[at[0]!] = replaceAt(copy[at[0]!], at.slice(1), replacement);
  return copy;
}

const CLUSTER_PATHS = paths(CLUSTER);

test('any JSON document loads or fails with an XdsLoadError', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => loadsOrExplains(JSON.stringify(v) ?? 'null')), { numRuns: 300 });
});

test('any value anywhere in a config dump, a DiscoveryResponse or a resource loads or is explained', () => {
  const shapes = [
    (c: unknown) => ({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [{ cluster: c }] }] }),
    (c: unknown) => ({ typeUrl: 'type.googleapis.com/envoy.config.cluster.v3.Cluster', resources: [c] }),
    (c: unknown) => c,
  ];
  fc.assert(
    fc.property(fc.constantFrom(...CLUSTER_PATHS), fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...shapes), (at, replacement, shape) =>
      loadsOrExplains(JSON.stringify(shape(replaceAt(CLUSTER, at, replacement)))),
    ),
    { numRuns: 500 },
  );
});

test('an error names a path that exists in the document', () => {
  fc.assert(
    fc.property(fc.constantFrom(...CLUSTER_PATHS.filter((p) => p.length > 0)), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant([])), (at, replacement) => {
      const doc = replaceAt(CLUSTER, at, replacement);
      try {
        parseXdsDocument(JSON.stringify(doc), 'p.json');
      } catch (err) {
        if (!(err instanceof XdsLoadError)) throw err;
        // The reported path, read back from the document, leads somewhere (or to the whole resource).
        const segments = err.path.match(/[^.[\]"]+/g) ?? [];
        let node: unknown = doc;
        for (const s of segments) node = (node as Record<string, unknown> | undefined)?.[s];
        return node !== undefined;
      }
      return true;
    }),
    { numRuns: 300 },
  );
});
