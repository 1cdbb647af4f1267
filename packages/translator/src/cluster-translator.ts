import type { Cluster, ClusterLoadAssignment, Secret } from '@amesh/proto';
import type { ApisixSsl, ApisixUpstream } from './apisix-types.js';
import type { ReportItem } from './translation-report.js';

export interface ClusterSide {
  /** Base upstream per Envoy cluster name (id = upstreamIdFor(cluster name)). */
  upstreams: Map<string, ApisixUpstream>;
  /** Clusters that are complete (EDS clusters whose ClusterLoadAssignment arrived, static ones). */
  complete: Set<string>;
  /** Clusters meaning "pass through to the original destination" (ORIGINAL_DST, PassthroughCluster). */
  passthrough: Set<string>;
  ssls: ApisixSsl[];
  report: ReportItem[];
}

/** Clusters + endpoints + secrets -> upstreams and ssls. Pure. */
export function translateClusters(
  clusters: readonly Cluster[],
  clusterLoadAssignments: readonly ClusterLoadAssignment[],
  secrets: readonly Secret[],
): ClusterSide {
  void clusters;
  void clusterLoadAssignments;
  void secrets;
  return { upstreams: new Map(), complete: new Set(), passthrough: new Set(), ssls: [], report: [] };
}
