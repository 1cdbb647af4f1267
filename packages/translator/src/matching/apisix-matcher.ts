import type { ApisixRoute } from '../apisix-types.js';
import { TERMINAL_PRIORITY } from '../route-ordering.js';
import { evalVars } from './lua-expr.js';
import { requestHost, type MatchRequest } from './match-request.js';

/** A route APISIX considered and why it passed over it, in the order it tried them. */
export interface RouteCandidate {
  id: string;
  name?: string;
  /** The host group it was tried in: an exact host, a `*.suffix`, or `(no hosts)`. */
  hostGroup: string;
  /** The uri pattern that matched the path. */
  uri: string;
  priority: number;
  outcome: 'matched' | 'method' | 'vars' | 'unknown';
  detail?: string;
}

export interface ApisixMatch {
  /** The route that serves the request; undefined is APISIX's 404. */
  route: ApisixRoute | undefined;
  /** The route is the translator's per-host terminal route: the answer is Envoy's "no route" 404. */
  terminal: boolean;
  /** Set when a candidate tried before the decision could not be evaluated (the decision may differ). */
  uncertain?: string;
  candidates: RouteCandidate[];
  /** Host groups of the configuration that the request's host falls into, in try order. */
  hostGroups: string[];
}

export const NO_HOSTS = '(no hosts)';

/**
 * APISIX 3.x's `radixtree_host_uri` router (DESIGN.md, "Matching semantics"): the host groups
 * matching `$host` (exact, then leading wildcards from the longest), then routes without hosts;
 * inside a group, exact uris first, then prefixes (`/p*`) from the longest; at each step higher
 * `priority` first; the first route whose methods and vars hold wins. Disabled routes
 * (`status: 0`) are not in the router. Pure.
 */
export function matchApisixRoute(routes: readonly ApisixRoute[], req: MatchRequest): ApisixMatch {
  const host = requestHost(req);
  const byHost = new Map<string, ApisixRoute[]>();
  for (const route of routes) {
    if (route.status === 0) continue;
    const hosts = route.hosts ?? (route.host ? [route.host] : []);
    for (const key of hosts.length > 0 ? hosts.map((h) => h.toLowerCase()) : [NO_HOSTS]) {
      const list = byHost.get(key) ?? [];
      list.push(route);
      byHost.set(key, list);
    }
  }
  const hostGroups: string[] = [];
  if (byHost.has(host)) hostGroups.push(host);
  const wildcards = [...byHost.keys()]
    .filter((k) => k.startsWith('*') && host.length > k.length - 1 && host.endsWith(k.slice(1)))
    .sort((a, b) => b.length - a.length);
  hostGroups.push(...wildcards);
  if (byHost.has(NO_HOSTS)) hostGroups.push(NO_HOSTS);

  const candidates: RouteCandidate[] = [];
  let uncertain: string | undefined;
  for (const group of hostGroups) {
    for (const { route, uri } of orderByUri(byHost.get(group) ?? [], req.path)) {
      const candidate: RouteCandidate = { id: route.id, name: route.name, hostGroup: group, uri, priority: route.priority ?? 0, outcome: 'matched' };
      candidates.push(candidate);
      if (route.methods && route.methods.length > 0 && !route.methods.includes(req.method)) {
        candidate.outcome = 'method';
        candidate.detail = `method ${req.method} not in ${route.methods.join(',')}`;
        continue;
      }
      if (route.vars && route.vars.length > 0) {
        const r = evalVars(route.vars, req);
        if (r.holds === undefined) {
          candidate.outcome = 'unknown';
          candidate.detail = r.unknown;
          uncertain ??= `route ${route.id}: ${r.unknown}`;
          continue;
        }
        if (!r.holds) {
          candidate.outcome = 'vars';
          candidate.detail = `vars do not hold: ${JSON.stringify(route.vars)}`;
          continue;
        }
      }
      return { route, terminal: isTerminalRoute(route), uncertain, candidates, hostGroups };
    }
  }
  return { route: undefined, terminal: false, uncertain, candidates, hostGroups };
}

/** The routes whose uri matches, in radixtree's try order, each with the pattern that matched. */
function orderByUri(routes: readonly ApisixRoute[], path: string): { route: ApisixRoute; uri: string }[] {
  const exact: { route: ApisixRoute; uri: string }[] = [];
  const prefix: { route: ApisixRoute; uri: string; len: number }[] = [];
  for (const route of routes) {
    // A route is inserted once per uri; its best pattern is where it is first tried.
    let best: { uri: string; len: number; exact: boolean } | undefined;
    for (const uri of route.uris ?? (route.uri ? [route.uri] : [])) {
      if (uri.endsWith('*')) {
        const p = uri.slice(0, -1);
        if (path.startsWith(p) && (!best || (!best.exact && p.length > best.len))) best = { uri, len: p.length, exact: false };
      } else if (uri === path) {
        best = { uri, len: uri.length, exact: true };
      }
    }
    if (!best) continue;
    if (best.exact) exact.push({ route, uri: best.uri });
    else prefix.push({ route, uri: best.uri, len: best.len });
  }
  const prio = (r: ApisixRoute): number => r.priority ?? 0;
  exact.sort((a, b) => prio(b.route) - prio(a.route));
  prefix.sort((a, b) => b.len - a.len || prio(b.route) - prio(a.route));
  return [...exact, ...prefix];
}

/**
 * The translator's per-host terminal route (DESIGN.md consequence 2): it keeps APISIX from falling
 * through to other hosts and answers 404, so a request that reaches it is not served.
 */
export function isTerminalRoute(route: ApisixRoute): boolean {
  const abort = (route.plugins?.['fault-injection'] as { abort?: { http_status?: number; percentage?: number } } | undefined)?.abort;
  const aborts404 = abort?.http_status === 404 && (abort.percentage ?? 100) === 100;
  // By name, or by shape when a long name was shortened.
  return route.name?.endsWith('/#no-route') === true || (aborts404 && route.priority === TERMINAL_PRIORITY);
}
