import type { Route } from '@amesh/proto';

/** What Envoy does with a request once a route matched. */
export type EnvoyAction =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'weighted_clusters'; clusters: { name: string; weight: number }[] }
  /** `host` is the redirect's host_redirect ('' when it keeps the host). */
  | { kind: 'redirect'; host: string }
  | { kind: 'direct_response'; status: number; body: string }
  | { kind: 'other'; detail: string };

/** The route's action, as data. */
export function envoyRouteAction(route: Route): EnvoyAction {
  const a = route.action;
  switch (a.case) {
    case 'route': {
      const c = a.value.clusterSpecifier;
      if (c.case === 'cluster') return { kind: 'cluster', cluster: c.value };
      if (c.case === 'weightedClusters') {
        return { kind: 'weighted_clusters', clusters: c.value.clusters.map((w) => ({ name: w.name, weight: w.weight ?? 0 })) };
      }
      return { kind: 'other', detail: `cluster specifier ${c.case ?? 'none'}` };
    }
    case 'redirect':
      return { kind: 'redirect', host: a.value.hostRedirect };
    case 'directResponse': {
      const b = a.value.body?.specifier;
      return { kind: 'direct_response', status: a.value.status, body: b?.case === 'inlineString' ? b.value : '' };
    }
    default:
      return { kind: 'other', detail: `action ${a.case ?? 'none'}` };
  }
}

/** The clusters an action sends traffic to (weighted clusters of weight 0 get none). */
export function actionClusters(action: EnvoyAction): string[] {
  if (action.kind === 'cluster') return [action.cluster];
  if (action.kind === 'weighted_clusters') return action.clusters.filter((c) => c.weight > 0).map((c) => c.name);
  return [];
}
