import type { Any } from '@bufbuild/protobuf/wkt';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { ApisixUpstream, ApisixUpstreamNode } from './apisix-types.js';
import type { ReportSink } from './report-sink.js';

export const AGGREGATE_CLUSTER_TYPE = 'envoy.extensions.clusters.aggregate.v3.ClusterConfig';

/**
 * The child cluster names of an aggregate cluster's ClusterConfig (`repeated string clusters = 1`),
 * read straight from the wire: the type is not among the generated ones. Undefined if corrupt.
 */
export function aggregateChildren(any: Any): string[] | undefined {
  try {
    const reader = new BinaryReader(any.value);
    const out: string[] = [];
    while (reader.pos < reader.len) {
      const [field, wire] = reader.tag();
      if (field === 1 && wire === WireType.LengthDelimited) out.push(reader.string());
      else reader.skip(wire, field);
    }
    return out;
  } catch {
    return undefined;
  }
}

/**
 * Envoy's aggregate cluster concatenates its children's priority levels in list order and fails
 * over between them like between priorities. APISIX gets one upstream whose nodes are the
 * children's nodes, each child's priorities shifted below those of the children before it.
 * Children that speak another scheme than the first usable one cannot share the upstream.
 */
export function aggregateNodes(
  children: readonly string[],
  upstreams: ReadonlyMap<string, ApisixUpstream>,
  report: ReportSink,
): { nodes: ApisixUpstreamNode[]; first?: ApisixUpstream } {
  const nodes: ApisixUpstreamNode[] = [];
  let first: ApisixUpstream | undefined;
  let floor = 0;
  children.forEach((child, i) => {
    const u = upstreams.get(child);
    if (!u) {
      report.add(`cluster_type.typed_config.clusters[${i}]`, 'ignored', `child cluster "${child}" is not translated (unknown, pass-through or itself aggregate)`);
      return;
    }
    if (!first) first = u;
    else if (u.scheme !== first.scheme || u.tls?.client_cert_id !== first.tls?.client_cert_id) {
      report.add(`cluster_type.typed_config.clusters[${i}]`, 'approximated', `child "${child}" speaks ${u.scheme} (first child: ${first.scheme}); APISIX has one scheme per upstream, so its endpoints are left out`);
      return;
    }
    let lowest = 0;
    for (const n of u.nodes) {
      const priority = floor + (n.priority ?? 0);
      nodes.push({ host: n.host, port: n.port, weight: n.weight, priority: priority === 0 ? 0 : priority });
      if (priority < lowest) lowest = priority;
    }
    if (u.nodes.length > 0) floor = lowest - 1;
  });
  return first ? { nodes, first } : { nodes };
}
