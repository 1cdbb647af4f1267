import type { ApisixRoute } from '@amesh/translator';
import type { ExplainRequest } from './explain-request.js';
import { evalVars } from './lua-expr.js';

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
  route: ApisixRoute | undefined;
  candidates: RouteCandidate[];
  /** Host groups of the configuration that the request's host falls into, in try order. */
  hostGroups: string[];
}

const NO_HOSTS = '(no hosts)';

/**
 * APISIX 3.x's `radixtree_host_uri` router: the host groups matching `$host` (exact, then leading
 * wildcards from the longest), then routes without hosts; inside a group, exact uris first, then
 * prefixes (`/p*`) from the longest; at each step higher `priority` first; the first route whose
 * methods and vars hold wins. Disabled routes (`status: 0`) are not in the router.
 */
export function matchApisixRoute(routes: readonly ApisixRoute[], req: ExplainRequest): ApisixMatch {
  const byHost = new Map<string, ApisixRoute[]>();
  for (const route of routes) {
    if (route.status === 0) continue;
    const hosts = route.hosts ?? (route.host ? [route.host] : []);
    const keys = hosts.length > 0 ? hosts.map((h) => h.toLowerCase()) : [NO_HOSTS];
    for (const key of keys) {
      const list = byHost.get(key) ?? [];
      list.push(route);
      byHost.set(key, list);
    }
  }
  const groups: string[] = [];
  if (byHost.has(req.host)) groups.push(req.host);
  const wildcards = [...byHost.keys()]
    .filter((k) => k.startsWith('*') && req.host.endsWith(k.slice(1)) && req.host.length > k.length - 1)
    .sort((a, b) => b.length - a.length);
  groups.push(...wildcards);
  if (byHost.has(NO_HOSTS)) groups.push(NO_HOSTS);

  const candidates: RouteCandidate[] = [];
  for (const group of groups) {
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
          continue;
        }
        if (!r.holds) {
          candidate.outcome = 'vars';
          candidate.detail = `vars do not hold: ${JSON.stringify(route.vars)}`;
          continue;
        }
      }
      return { route, candidates, hostGroups: groups };
    }
  }
  return { route: undefined, candidates, hostGroups: groups };
}

/** The routes whose uri matches, in radixtree's try order, each with the pattern that matched. */
function orderByUri(routes: readonly ApisixRoute[], path: string): { route: ApisixRoute; uri: string }[] {
  const exact: { route: ApisixRoute; uri: string }[] = [];
  const prefix: { route: ApisixRoute; uri: string; len: number }[] = [];
  for (const route of routes) {
    const uris = route.uris ?? (route.uri ? [route.uri] : []);
    let best: { uri: string; len: number; exact: boolean } | undefined;
    for (const uri of uris) {
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
