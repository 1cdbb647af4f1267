import type { Route } from '@amesh/proto';
import type { ApisixConfig, ApisixRoute } from '../apisix-types.js';
import { envoyRouteAction } from '../matching/index.js';

/**
 * What a request ends in, comparable across both sides (tests only): the cluster (or weighted
 * set) it is proxied to, the redirect (named by its target host), or a direct response. "No
 * route" on either side is a 404 with an empty body, like Envoy's and the terminal routes'.
 */
export type ActionKey = string;

export const NO_ROUTE: ActionKey = 'direct:404:';

export function envoyActionKey(route: Route | undefined): ActionKey {
  if (!route) return NO_ROUTE;
  const a = envoyRouteAction(route);
  switch (a.kind) {
    case 'cluster':
      return `cluster:${a.cluster}`;
    case 'weighted_clusters':
      return weighted(a.clusters.map((c) => [c.name, c.weight]));
    case 'redirect':
      return `redirect:${a.host}`;
    case 'direct_response':
      return `direct:${a.status}:${a.body}`;
    default:
      return 'unsupported';
  }
}

function weighted(list: [string, number][]): ActionKey {
  const positive = list.filter(([, w]) => w > 0);
  // Equal clusters listed twice add up, as traffic-split's weights do.
  const sums = new Map<string, number>();
  for (const [c, w] of positive) sums.set(c, (sums.get(c) ?? 0) + w);
  if (sums.size === 1) return `cluster:${[...sums.keys()][0]}`;
  return `weighted:${[...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, w]) => `${c}=${w}`).join(',')}`;
}

/** `clusterOfNode` maps an upstream's first node host to its cluster (test clusters have unique nodes). */
export function apisixActionKey(route: ApisixRoute | undefined, config: ApisixConfig, clusterOfNode: ReadonlyMap<string, string>): ActionKey {
  if (!route) return NO_ROUTE;
  const cluster = (id: string | undefined) => {
    const u = config.upstreams.find((x) => x.id === id);
    return u ? clusterOfNode.get(u.nodes[0]?.host ?? '') ?? `?${id}` : `missing:${id}`;
  };
  const p = route.plugins ?? {};
  const fault = p['fault-injection'] as { abort?: { http_status: number; body?: string; percentage?: number } } | undefined;
  if (fault?.abort && (fault.abort.percentage ?? 100) === 100) return `direct:${fault.abort.http_status}:${fault.abort.body ?? ''}`;
  const redirect = p.redirect as { uri?: string; regex_uri?: string[] } | undefined;
  if (redirect) {
    const target = redirect.uri ?? redirect.regex_uri?.[1] ?? '';
    return `redirect:${/:\/\/([^/$:]+)/.exec(target)?.[1] ?? ''}`;
  }
  const split = p['traffic-split'] as { rules: { weighted_upstreams: { upstream_id?: string; weight: number }[] }[] } | undefined;
  if (split) return weighted(split.rules[0]!.weighted_upstreams.map((w) => [cluster(w.upstream_id ?? route.upstream_id), w.weight]));
  return `cluster:${cluster(route.upstream_id)}`;
}
