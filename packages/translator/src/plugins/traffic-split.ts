/**
 * weighted_clusters -> `traffic-split`: one rule whose weighted_upstreams carry upstream ids.
 * Zero weights are left out (they never receive traffic in Envoy either).
 */
export interface WeightedTarget {
  readonly upstreamId: string;
  readonly weight: number;
}

export function trafficSplitPlugin(targets: readonly WeightedTarget[]): Record<string, unknown> {
  return {
    rules: [
      {
        weighted_upstreams: targets.filter((t) => t.weight > 0).map((t) => ({ upstream_id: t.upstreamId, weight: t.weight })),
      },
    ],
  };
}
