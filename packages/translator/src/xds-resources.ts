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

/**
 * One resource held by reference: its name (a cluster's name, an assignment's cluster_name) and its
 * message, which may be decoded anew on each call (read it once per use). A changed resource is a
 * new reference; an unchanged one keeps its reference, which is what an incremental translator
 * compares. The agent holds clusters and assignments, the bulk of a mesh, this way: as wire bytes.
 */
export interface XdsRef<T> {
  readonly name: string;
  message(): T;
}

/** XdsResources with clusters and assignments by reference. */
export interface XdsRefs {
  listeners: readonly Listener[];
  routeConfigurations: readonly RouteConfiguration[];
  clusters: readonly XdsRef<Cluster>[];
  clusterLoadAssignments: readonly XdsRef<ClusterLoadAssignment>[];
  secrets: readonly Secret[];
}

/** A reference to a message that is already decoded. */
class DecodedRef<T> implements XdsRef<T> {
  constructor(
    readonly name: string,
    private readonly decoded: T,
  ) {}

  message(): T {
    return this.decoded;
  }
}

/**
 * References to decoded messages. With `known`, the same message gets the same reference each
 * time (so an incremental translator fed messages sees unchanged ones as unchanged).
 */
export function refsOf(xds: { readonly [K in keyof XdsResources]?: readonly XdsResources[K][number][] }, known?: WeakMap<object, XdsRef<unknown>>): XdsRefs {
  const ref = <T extends object>(m: T, name: string): XdsRef<T> => {
    let r = known?.get(m) as XdsRef<T> | undefined;
    if (!r) {
      r = new DecodedRef(name, m);
      known?.set(m, r);
    }
    return r;
  };
  return {
    listeners: xds.listeners ?? [],
    routeConfigurations: xds.routeConfigurations ?? [],
    clusters: (xds.clusters ?? []).map((c) => ref(c, c.name)),
    clusterLoadAssignments: (xds.clusterLoadAssignments ?? []).map((c) => ref(c, c.clusterName)),
    secrets: xds.secrets ?? [],
  };
}

/** Every message of `xds`, decoded (for a one-shot translate, a dump, a test). */
export function decodeRefs(xds: XdsRefs): XdsResources {
  return {
    listeners: [...xds.listeners],
    routeConfigurations: [...xds.routeConfigurations],
    clusters: xds.clusters.map((r) => r.message()),
    clusterLoadAssignments: xds.clusterLoadAssignments.map((r) => r.message()),
    secrets: [...xds.secrets],
  };
}

export function emptyXdsResources(): XdsResources {
  return { listeners: [], routeConfigurations: [], clusters: [], clusterLoadAssignments: [], secrets: [] };
}

/** xDS resource kinds as the report names them. */
export type XdsKind = 'Listener' | 'RouteConfiguration' | 'Cluster' | 'ClusterLoadAssignment' | 'Secret';
