import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { HttpConnectionManagerSchema, type Route, type RouteConfiguration } from '@amesh/proto';
import {
  upstreamIdFor,
  type ApisixRoute,
  type ApisixUpstream,
  type ReportItem,
  type TranslationReport,
  type XdsResources,
} from '@amesh/translator';
import { matchApisixRoute, type RouteCandidate } from './apisix-matcher.js';
import { matchEnvoyRoute, selectVirtualHost } from './envoy-matcher.js';
import type { ExplainRequest } from './explain-request.js';

export interface ExplainInput {
  /** The xDS resources whose translation is in storage. */
  xds: XdsResources | undefined;
  routes: readonly ApisixRoute[];
  upstreams: readonly ApisixUpstream[];
  report: TranslationReport;
}

export type EnvoyAction =
  | { kind: 'cluster'; cluster: string }
  | { kind: 'weighted_clusters'; clusters: { name: string; weight: number }[] }
  | { kind: 'redirect' }
  | { kind: 'direct_response'; status: number }
  | { kind: 'other'; detail: string };

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
  const apisixMatch = matchApisixRoute(input.routes, req);
  const envoy = input.xds ? envoyPick(input.xds, input.report, req, notes) : undefined;
  if (!input.xds) notes.push('no snapshot has been applied yet');

  const terminal = apisixMatch.route && isTerminalRoute(apisixMatch.route);
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
      const want = envoyClusters(envoy.route.action).map(upstreamIdFor).sort();
      if (want.length > 0 && want.join() !== [...ids].sort().join()) {
        notes.push(`Envoy would send this to ${envoyClusters(envoy.route.action).join(', ')}; APISIX's upstreams differ (a per-route variant, or a matching difference)`);
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
  for (const cluster of envoyClusters(envoy.route.action)) {
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

/** A route configuration and where the translation report files items about it. */
interface RouteScope {
  rc: RouteConfiguration;
  reportKind: ReportItem['kind'];
  reportName: string;
  /** Path of the route configuration inside the reported resource ('' for RDS). */
  reportPrefix: string;
}

/** Envoy's choice, trying the route configurations that serve the port (all of them without a port). */
function envoyPick(xds: XdsResources, report: TranslationReport, req: ExplainRequest, notes: string[]): EnvoyPick | undefined {
  for (const scope of routeScopesFor(xds, req.port)) {
    const { rc } = scope;
    const vh = selectVirtualHost(rc, req);
    if (!vh) continue;
    const m = matchEnvoyRoute(vh.vhost, req);
    const vhPath = `${scope.reportPrefix}virtual_hosts[${vh.index}]`;
    const mine = (i: ReportItem): boolean => i.kind === scope.reportKind && i.name === scope.reportName;
    // Items about the whole route configuration or this virtual host (not about its other routes).
    const about = (path: string): boolean =>
      path === scope.reportPrefix.replace(/\.$/, '') || path === vhPath || (path.startsWith(`${vhPath}.`) && !path.startsWith(`${vhPath}.routes[`));
    const base = { routeConfiguration: rc.name, virtualHost: vh.vhost.name, virtualHostIndex: vh.index };
    if (!m.route) {
      if ('unknown' in m && m.unknown) notes.push(`Envoy's choice is uncertain: ${m.unknown}`);
      return { ...base, report: report.filter((i) => mine(i) && about(i.path)) };
    }
    const routePath = `${vhPath}.routes[${m.index}]`;
    return {
      ...base,
      route: { index: m.index, name: m.route.name, action: actionOf(m.route) },
      report: report.filter((i) => mine(i) && (about(i.path) || i.path === routePath || i.path.startsWith(`${routePath}.`))),
    };
  }
  return undefined;
}

/** Route configurations of listeners on `port` (by RDS name or inline), plus RDS named after the port. */
function routeScopesFor(xds: XdsResources, port: number | undefined): RouteScope[] {
  const rds = (rc: RouteConfiguration): RouteScope => ({ rc, reportKind: 'RouteConfiguration', reportName: rc.name, reportPrefix: '' });
  const sorted = [...xds.routeConfigurations].sort((a, b) => a.name.localeCompare(b.name));
  const names = new Set<string>(port === undefined ? [] : [String(port)]);
  const inline: RouteScope[] = [];
  for (const listener of xds.listeners) {
    const addr = listener.address?.address;
    const lport = addr?.case === 'socketAddress' && addr.value.portSpecifier.case === 'portValue' ? addr.value.portSpecifier.value : undefined;
    if (port !== undefined && lport !== port) continue;
    listener.filterChains.forEach((chain, ci) =>
      chain.filters.forEach((filter, fi) => {
        if (filter.configType.case !== 'typedConfig') return;
        const hcm = anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
        if (!hcm) return;
        if (hcm.routeSpecifier.case === 'rds') names.add(hcm.routeSpecifier.value.routeConfigName);
        else if (hcm.routeSpecifier.case === 'routeConfig') {
          inline.push({
            rc: hcm.routeSpecifier.value,
            reportKind: 'Listener',
            reportName: listener.name,
            reportPrefix: `filter_chains[${ci}].filters[${fi}].typed_config.route_config.`,
          });
        }
      }),
    );
  }
  if (port === undefined) return [...sorted.map(rds), ...inline];
  return [...sorted.filter((rc) => names.has(rc.name) || rc.name.endsWith(`:${port}`)).map(rds), ...inline];
}

function actionOf(route: Route): EnvoyAction {
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
      return { kind: 'redirect' };
    case 'directResponse':
      return { kind: 'direct_response', status: a.value.status };
    default:
      return { kind: 'other', detail: `action ${a.case ?? 'none'}` };
  }
}

function envoyClusters(action: EnvoyAction): string[] {
  if (action.kind === 'cluster') return [action.cluster];
  if (action.kind === 'weighted_clusters') return action.clusters.filter((c) => c.weight > 0).map((c) => c.name);
  return [];
}

/**
 * The translator's per-host terminal route: it keeps APISIX from falling through to other hosts
 * and answers 404, so a request that reaches it is not served.
 */
function isTerminalRoute(route: ApisixRoute): boolean {
  return route.name?.endsWith('/#no-route') === true;
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
