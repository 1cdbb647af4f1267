import type { HeaderMatcher, QueryParameterMatcher, Route, RouteConfiguration, RouteMatch, StringMatcher, VirtualHost } from '@amesh/proto';
import { stripPort } from '../vhost-hosts.js';
import { envoyRouteScopes, type EnvoyRouteScope, type RouteTopology } from './envoy-route-scopes.js';
import type { MatchRequest } from './match-request.js';
import { fullMatchRegExp } from './pcre-regexp.js';

/** Envoy's decision inside one route configuration. */
export interface EnvoyVirtualHostMatch {
  virtualHost: VirtualHost;
  virtualHostIndex: number;
  /** The first route whose match holds; undefined is Envoy's 404. */
  route?: Route;
  routeIndex?: number;
  /** Set when a route tried before the decision could not be evaluated (the decision may differ). */
  uncertain?: string;
}

/** Envoy's decision on xDS input: the route configuration it used, its virtual host and route. */
export interface EnvoyMatch extends EnvoyVirtualHostMatch {
  scope: EnvoyRouteScope;
}

/**
 * What Envoy does with the request on this xDS input (DESIGN.md, "Matching semantics"): the
 * listener of its address and port picks the route configuration; ONE virtual host by authority;
 * the FIRST route whose match holds. Undefined when no route configuration has a virtual host
 * for the authority (Envoy's 404). When the port is unknown, or the input has route
 * configurations alone, the first route configuration with a matching virtual host is used. Pure.
 */
export function matchEnvoyRoute(xds: RouteTopology, req: MatchRequest): EnvoyMatch | undefined {
  const scopes = envoyRouteScopes(xds, req);
  const ambiguous = req.port === undefined || xds.listeners.length === 0;
  for (const scope of ambiguous ? scopes : scopes.slice(0, 1)) {
    const m = matchRouteConfiguration(scope.routeConfiguration, req);
    if (m) return { scope, ...m };
  }
  return undefined;
}

/** Envoy's decision inside a given route configuration; undefined when no virtual host takes the authority. */
export function matchRouteConfiguration(rc: RouteConfiguration, req: MatchRequest): EnvoyVirtualHostMatch | undefined {
  const authority = req.authority.toLowerCase();
  const vh = selectVirtualHost(rc, rc.ignorePortInHostMatching ? stripPort(authority) : authority);
  if (!vh) return undefined;
  return { virtualHost: vh.vhost, virtualHostIndex: vh.index, ...firstMatchingRoute(vh.vhost, req) };
}

/**
 * Envoy's virtual host selection: exact domain, then the longest `*suffix`, then the longest
 * `prefix*`, then `*`. Domains may carry a port (`reviews:9080`), matched against the authority as sent.
 */
export function selectVirtualHost(rc: RouteConfiguration, authority: string): { vhost: VirtualHost; index: number } | undefined {
  const host = authority.toLowerCase();
  let best: { index: number; rank: number; len: number } | undefined;
  rc.virtualHosts.forEach((vhost, index) => {
    for (const raw of vhost.domains) {
      const domain = raw.toLowerCase();
      const rank = domainRank(domain, host);
      if (rank === undefined) continue;
      // Earlier virtual hosts win ties (Envoy rejects duplicate domains).
      if (!best || rank < best.rank || (rank === best.rank && domain.length > best.len)) best = { index, rank, len: domain.length };
    }
  });
  return best && { vhost: rc.virtualHosts[best.index]!, index: best.index };
}

/** 0 exact, 1 suffix wildcard, 2 prefix wildcard, 3 `*`; undefined when the domain does not match. */
function domainRank(domain: string, authority: string): number | undefined {
  if (domain === authority) return 0;
  if (domain === '*') return 3;
  if (domain.startsWith('*') && authority.length > domain.length - 1 && authority.endsWith(domain.slice(1))) return 1;
  if (domain.endsWith('*') && authority.length > domain.length - 1 && authority.startsWith(domain.slice(0, -1))) return 2;
  return undefined;
}

/** The first route of the virtual host, in list order, whose match holds (Envoy has no fallthrough). */
export function firstMatchingRoute(vhost: VirtualHost, req: MatchRequest): { route?: Route; routeIndex?: number; uncertain?: string } {
  let uncertain: string | undefined;
  for (let routeIndex = 0; routeIndex < vhost.routes.length; routeIndex++) {
    const route = vhost.routes[routeIndex]!;
    const holds = route.match ? routeMatches(route.match, req) : false;
    if (holds === true) return { route, routeIndex, uncertain };
    if (typeof holds === 'string') uncertain ??= `route ${routeIndex} (${route.name || 'unnamed'}): ${holds}`;
  }
  return { uncertain };
}

/** true / false, or a string naming what cannot be evaluated. */
function routeMatches(m: RouteMatch, req: MatchRequest): boolean | string {
  const caseSensitive = m.caseSensitive ?? true;
  const path = caseSensitive ? req.path : req.path.toLowerCase();
  const norm = (s: string): string => (caseSensitive ? s : s.toLowerCase());
  const p = m.pathSpecifier;
  switch (p.case) {
    case 'prefix':
      if (!path.startsWith(norm(p.value))) return false;
      break;
    case 'path':
      if (path !== norm(p.value)) return false;
      break;
    case 'pathSeparatedPrefix': {
      const v = norm(p.value);
      if (!(path === v || path.startsWith(v.endsWith('/') ? v : `${v}/`))) return false;
      break;
    }
    case 'safeRegex': {
      // case_sensitive does not apply to safe_regex.
      const re = fullMatchRegExp(p.value.regex);
      if (!re) return `regex ${JSON.stringify(p.value.regex)} cannot be evaluated here`;
      if (!re.test(req.path)) return false;
      break;
    }
    default:
      return `path matcher ${p.case ?? 'none'} is not evaluated here`;
  }
  for (const h of m.headers) {
    const r = headerMatches(h, req);
    if (r !== true) return r;
  }
  for (const q of m.queryParameters) {
    const r = queryMatches(q, req);
    if (r !== true) return r;
  }
  if (m.grpc && !(req.headers['content-type'] ?? '').startsWith('application/grpc')) return false;
  if (m.runtimeFraction) return 'runtime_fraction matches a share of requests';
  if (m.tlsContext) return 'tls_context depends on the client connection';
  if (m.dynamicMetadata.length > 0) return 'dynamic_metadata is not known from a request description';
  return true;
}

function headerValue(name: string, req: MatchRequest): string | undefined {
  const n = name.toLowerCase();
  if (n === ':authority' || n === 'host') return req.authority;
  if (n === ':path') return req.path;
  if (n === ':method') return req.method;
  return req.headers[n];
}

/** HeaderUtility::matchHeaders: a missing header fails every matcher but present_match: false (before invert_match). */
function headerMatches(h: HeaderMatcher, req: MatchRequest): boolean | string {
  let value = headerValue(h.name, req);
  if (value === undefined && h.treatMissingHeaderAsEmpty) value = '';
  const s = h.headerMatchSpecifier;
  // No specifier is present_match: true.
  const presentWanted = s.case === 'presentMatch' ? s.value : true;
  const isPresentMatcher = s.case === 'presentMatch' || s.case === undefined;
  if (value === undefined) return isPresentMatcher && presentWanted === h.invertMatch;
  let holds: boolean | string;
  switch (s.case) {
    case undefined:
    case 'presentMatch':
      holds = presentWanted;
      break;
    case 'exactMatch':
      holds = value === s.value;
      break;
    case 'prefixMatch':
      holds = value.startsWith(s.value);
      break;
    case 'suffixMatch':
      holds = value.endsWith(s.value);
      break;
    case 'containsMatch':
      holds = value.includes(s.value);
      break;
    case 'safeRegexMatch': {
      const re = fullMatchRegExp(s.value.regex);
      holds = re ? re.test(value) : `regex ${JSON.stringify(s.value.regex)} cannot be evaluated here`;
      break;
    }
    case 'stringMatch':
      holds = stringMatches(s.value, value);
      break;
    case 'rangeMatch':
      // An int64 in [start, end).
      holds = /^-?\d+$/.test(value) && BigInt(value) >= s.value.start && BigInt(value) < s.value.end;
      break;
    default:
      return `header matcher ${(s as { case?: string }).case ?? 'none'} is not evaluated here`;
  }
  return typeof holds === 'string' ? holds : holds !== h.invertMatch;
}

/** A missing parameter matches only present_match: false. */
function queryMatches(q: QueryParameterMatcher, req: MatchRequest): boolean | string {
  const value = req.query[q.name];
  const s = q.queryParameterMatchSpecifier;
  if (value === undefined) return s.case === 'presentMatch' && !s.value;
  if (s.case === 'presentMatch') return s.value;
  if (s.case === 'stringMatch') return stringMatches(s.value, value);
  return true;
}

function stringMatches(m: StringMatcher, raw: string): boolean | string {
  const value = m.ignoreCase ? raw.toLowerCase() : raw;
  const norm = (s: string): string => (m.ignoreCase ? s.toLowerCase() : s);
  const p = m.matchPattern;
  switch (p.case) {
    case 'exact':
      return value === norm(p.value);
    case 'prefix':
      return value.startsWith(norm(p.value));
    case 'suffix':
      return value.endsWith(norm(p.value));
    case 'contains':
      return value.includes(norm(p.value));
    case 'safeRegex': {
      const re = fullMatchRegExp(p.value.regex);
      return re ? re.test(raw) : `regex ${JSON.stringify(p.value.regex)} cannot be evaluated here`;
    }
    default:
      return `string matcher ${p.case ?? 'none'} is not evaluated here`;
  }
}
