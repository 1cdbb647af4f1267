import type {
  Cluster,
  ClusterLoadAssignment,
  Listener,
  RouteConfiguration,
  Secret,
} from '@amesh/proto';

/** The xDS resources one translation reads: a consistent snapshot, as a client or a loader has it. */
export interface XdsResources {
  listeners: Listener[];
  routeConfigurations: RouteConfiguration[];
  clusters: Cluster[];
  clusterLoadAssignments: ClusterLoadAssignment[];
  secrets: Secret[];
}

export function emptyXdsResources(): XdsResources {
  return { listeners: [], routeConfigurations: [], clusters: [], clusterLoadAssignments: [], secrets: [] };
}

/** xDS resource kinds as the report names them. */
export type XdsKind = 'Listener' | 'RouteConfiguration' | 'Cluster' | 'ClusterLoadAssignment' | 'Secret';
