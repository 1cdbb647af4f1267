import {
  actionClusters,
  captured,
  portMatchMode,
  requestHost,
  envoyRouteAction,
  matchApisixRoute,
  matchEnvoyRoute,
  upstreamIdFor,
  type ApisixRoute,
  type ApisixUpstream,
  type EnvoyAction,
  type MatchRequest,
  type PortMatch,
  type ReportItem,
  type RouteCandidate,
  type TranslationReport,
  type XdsRefs,
} from '@amesh/translator';
import type { ExplainRequest } from './explain-request.js';

export interface ExplainInput {
  /** The xDS resources whose translation is in storage. */
  xds: XdsRefs | undefined;
  routes: readonly ApisixRoute[];
  upstreams: readonly ApisixUpstream[];
  report: TranslationReport;
  /** How the routes were scoped (the sidecar's --port-match); default `capture`, the sidecar's default. */
  portMatch?: PortMatch;
}

export type { EnvoyAction };

/** What Envoy would pick for the request on the same xDS input. */
export interface EnvoyPick {
  routeConfiguration: string;
  virtualHost: string;
  virtualHostIndex: number;
  /** Absent when the virtual host has no matching route (Envoy answers 404). */
  route?: { index: number; name: string; action: EnvoyAction };
  /** Report items about that route (or virtual host), e.g. why it was dropped or approximated. */
  report: ReportItem[];
}

export interface Explanation {
  request: ExplainRequest;
  /** True when an APISIX route serves the request. */
  served: boolean;
  apisix?: {
    route: Pick<ApisixRoute, 'id' | 'name' | 'desc' | 'hosts' | 'uris' | 'uri' | 'priority' | 'vars' | 'methods' | 'labels' | 'upstream_id'>;
    upstreams: { id: string; name?: string; nodes: number }[];
  };
  envoy?: EnvoyPick;
  /** Why no route serves it (when served is false). */
  reason?: string;
  /** Things worth knowing even when served: no endpoints, disagreement with Envoy, unknowns. */
  notes: string[];
  /** The APISIX routes tried, in order, and why each was passed over. */
  candidates: RouteCandidate[];
}

/**
 * Which APISIX route would serve the request, and which xDS route it came from (by running Envoy's
 * semantics on the same input); or why none does: no virtual host, Envoy 404, route dropped by the
 * translator (with the report's reason), upstream missing or without endpoints. Pure.
 */
export function explain(input: ExplainInput, req: ExplainRequest): Explanation {
  const notes: string[] = [];
  const upstreamById = new Map(input.upstreams.map((u) => [u.id, u]));
  const apisixMatch = matchApisixRoute(input.routes, asNginxSees(req, input.portMatch ?? 'capture'));
  const envoy = input.xds ? envoyPick(input.xds, input.report, req, notes) : undefined;
  if (!input.xds) notes.push('no snapshot has been applied yet');

  if (apisixMatch.uncertain) notes.push(`APISIX's choice is uncertain: ${apisixMatch.uncertain}`);
  const terminal = apisixMatch.terminal;
  if (terminal && apisixMatch.route) {
    notes.push(`APISIX answers 404 through the host's terminal route ${apisixMatch.route.id} (${apisixMatch.route.name ?? ''}), as Envoy would with no matching route`);
  }
  if (apisixMatch.route && !terminal) {
    const route = apisixMatch.route;
    const ids = routeUpstreamIds(route);
    const upstreams = ids.map((id) => {
      const u = upstreamById.get(id);
      if (!u) notes.push(`route ${route.id} refers to upstream ${id}, which is not written`);
      else if (u.nodes.length === 0) notes.push(`upstream ${id}${u.name ? ` (${u.name})` : ''} has no endpoints: APISIX answers 502/503`);
      return { id, name: u?.name, nodes: u?.nodes.length ?? 0 };
    });
    if (envoy?.route) {
      const want = actionClusters(envoy.route.action).map(upstreamIdFor).sort();
      if (want.length > 0 && want.join() !== [...ids].sort().join()) {
        notes.push(`Envoy would send this to ${actionClusters(envoy.route.action).join(', ')}; APISIX's upstreams differ (a per-route variant, or a matching difference)`);
      }
    } else if (envoy && !envoy.route) {
      notes.push(`Envoy would answer 404 (no route of virtual host ${envoy.virtualHost} matches) but APISIX serves it`);
    }
    const { id, name, desc, hosts, uris, uri, priority, vars, methods, labels, upstream_id } = route;
    return {
      request: req,
      served: true,
      apisix: { route: { id, name, desc, hosts, uris, uri, priority, vars, methods, labels, upstream_id }, upstreams },
      envoy,
      notes,
      candidates: apisixMatch.candidates,
    };
  }

  return { request: req, served: false, envoy, reason: whyNone(input, req, envoy, upstreamById), notes, candidates: apisixMatch.candidates };
}

/**
 * Behind REDIRECT capture nginx accepts on the capture port of the request's direction, and the
 * routes read the original port from the Host header: a bare `host` asked about with a `port`
 * other than 80 is taken as sent by an HTTP client, `host:port`.
 */
function asNginxSees(req: ExplainRequest, portMatch: PortMatch): MatchRequest {
  const pm = portMatchMode(portMatch);
  if (pm.mode !== 'capture') return req;
  const bare = requestHost(req) === req.authority.toLowerCase();
  const authority = bare && req.port !== undefined && req.port !== 80 ? `${req.authority}:${req.port}` : req.authority;
  return captured({ ...req, authority }, pm.ports);
}

function whyNone(
  input: ExplainInput,
  req: ExplainRequest,
  envoy: EnvoyPick | undefined,
  upstreamById: ReadonlyMap<string, ApisixUpstream>,
): string {
  const where = req.port !== undefined ? `${req.host}:${req.port}` : req.host;
  if (!input.xds) return 'no configuration has been applied yet';
  if (!envoy) return `no virtual host for ${where} in any route configuration${req.port !== undefined ? ` of port ${req.port}` : ''}`;
  if (!envoy.route) return `virtual host ${envoy.virtualHost} (route configuration ${envoy.routeConfiguration}) has no route matching ${req.method} ${req.path}; Envoy answers 404 too`;
  // The most specific item first (a matcher's own reason before "the route was dropped").
  const dropped = envoy.report.filter((i) => i.severity === 'dropped').sort((a, b) => b.path.length - a.path.length);
  if (dropped.length > 0) {
    return `the xDS route was dropped by the translator: ${dropped.map((d) => `${d.reason} (at ${d.path})`).join('; ')}`;
  }
  for (const cluster of actionClusters(envoy.route.action)) {
    const u = upstreamById.get(upstreamIdFor(cluster));
    if (!u) {
      const why = input.report.find((i) => (i.kind === 'Cluster' || i.kind === 'ClusterLoadAssignment') && i.name === cluster);
      const known = input.xds.clusters.some((c) => c.name === cluster);
      return `the route's cluster ${cluster} has no upstream: ${why ? why.reason : known ? 'its endpoints have not arrived (not complete)' : 'the cluster is not in the snapshot'}`;
    }
    if (u.nodes.length === 0) return `the route's cluster ${cluster} has no endpoints`;
  }
  return `Envoy picks route ${envoy.route.index} (${envoy.route.name}) of ${envoy.virtualHost}, but no APISIX route matches: a translation gap (see candidates)`;
}

/** Envoy's choice on the same input, with the report items about its route (or virtual host). */
function envoyPick(xds: XdsRefs, report: TranslationReport, req: ExplainRequest, notes: string[]): EnvoyPick | undefined {
  const m = matchEnvoyRoute(xds, req);
  if (!m) return undefined;
  const { scope } = m;
  if (m.uncertain) notes.push(`Envoy's choice is uncertain: ${m.uncertain}`);
  const vhPath = `${scope.reportPrefix}virtual_hosts[${m.virtualHostIndex}]`;
  const mine = (i: ReportItem): boolean => i.kind === scope.reportKind && i.name === scope.reportName;
  // Items about the whole route configuration or this virtual host (not about its other routes).
  const about = (path: string): boolean =>
    path === scope.reportPrefix.replace(/\.$/, '') || path === vhPath || (path.startsWith(`${vhPath}.`) && !path.startsWith(`${vhPath}.routes[`));
  const base = { routeConfiguration: scope.routeConfiguration.name, virtualHost: m.virtualHost.name, virtualHostIndex: m.virtualHostIndex };
  if (!m.route || m.routeIndex === undefined) return { ...base, report: report.filter((i) => mine(i) && about(i.path)) };
  const routePath = `${vhPath}.routes[${m.routeIndex}]`;
  return {
    ...base,
    route: { index: m.routeIndex, name: m.route.name, action: envoyRouteAction(m.route) },
    report: report.filter((i) => mine(i) && (about(i.path) || i.path === routePath || i.path.startsWith(`${routePath}.`))),
  };
}

/** The upstreams a route sends to: its upstream_id and traffic-split's weighted upstream_ids. */
function routeUpstreamIds(route: ApisixRoute): string[] {
  const ids = new Set<string>();
  if (route.upstream_id) ids.add(route.upstream_id);
  const split = route.plugins?.['traffic-split'] as { rules?: { weighted_upstreams?: { upstream_id?: string; weight?: number }[] }[] } | undefined;
  for (const rule of split?.rules ?? []) {
    for (const w of rule.weighted_upstreams ?? []) if (w.upstream_id && (w.weight ?? 1) > 0) ids.add(w.upstream_id);
  }
  return [...ids];
}
