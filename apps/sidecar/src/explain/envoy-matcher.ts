import type {
  HeaderMatcher,
  QueryParameterMatcher,
  Route,
  RouteConfiguration,
  StringMatcher,
  VirtualHost,
} from '@amesh/proto';
import type { ExplainRequest } from './explain-request.js';
import { pcreToRegExp } from './lua-expr.js';

/**
 * Envoy's virtual host selection: exact domain, then the longest `*.suffix` / `*suffix`, then the
 * longest `prefix*`, then `*`. Domains may carry a port (`reviews:9080`), matched against host:port.
 */
export function selectVirtualHost(rc: RouteConfiguration, req: ExplainRequest): { vhost: VirtualHost; index: number } | undefined {
  const authorities = req.port !== undefined ? [req.host, `${req.host}:${req.port}`] : [req.host];
  let best: { vhost: VirtualHost; index: number; rank: number; len: number } | undefined;
  rc.virtualHosts.forEach((vhost, index) => {
    for (const raw of vhost.domains) {
      const domain = raw.toLowerCase();
      for (const authority of authorities) {
        const rank = domainRank(domain, authority);
        if (rank === undefined) continue;
        if (!best || rank < best.rank || (rank === best.rank && domain.length > best.len)) best = { vhost, index, rank, len: domain.length };
      }
    }
  });
  return best && { vhost: best.vhost, index: best.index };
}

/** 0 exact, 1 suffix wildcard, 2 prefix wildcard, 3 `*`; undefined when the domain does not match. */
function domainRank(domain: string, authority: string): number | undefined {
  if (domain === '*') return 3;
  if (domain === authority) return 0;
  if (domain.startsWith('*') && authority.length > domain.length - 1 && authority.endsWith(domain.slice(1))) return 1;
  if (domain.endsWith('*') && authority.length > domain.length - 1 && authority.startsWith(domain.slice(0, -1))) return 2;
  return undefined;
}

export type EnvoyRouteMatch = { route: Route; index: number } | { route: undefined; unknown?: string };

/** The first route of the virtual host, in list order, whose match holds (Envoy has no fallthrough). */
export function matchEnvoyRoute(vhost: VirtualHost, req: ExplainRequest): EnvoyRouteMatch {
  for (let index = 0; index < vhost.routes.length; index++) {
    const route = vhost.routes[index];
    const holds = routeMatches(route, req);
    if (holds === true) return { route, index };
    if (typeof holds === 'string') return { route: undefined, unknown: `route ${index} (${route.name || 'unnamed'}): ${holds}` };
  }
  return { route: undefined };
}

/** true / false, or a string naming what cannot be evaluated. */
function routeMatches(route: Route, req: ExplainRequest): boolean | string {
  const m = route.match;
  if (!m) return false;
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
      // Envoy's safe_regex must match the whole path.
      const re = pcreToRegExp(`^(?:${p.value.regex})$`, false);
      if (!re) return `regex ${JSON.stringify(p.value.regex)} cannot be evaluated here`;
      if (!re.test(req.path)) return false;
      break;
    }
    default:
      return `path matcher ${p.case ?? 'none'} is not evaluated by explain`;
  }
  for (const h of m.headers) {
    const r = headerMatches(h, req);
    if (r !== true) return r;
  }
  for (const q of m.queryParameters) {
    const r = queryMatches(q, req);
    if (r !== true) return r;
  }
  return true;
}

function headerValue(name: string, req: ExplainRequest): string | undefined {
  const n = name.toLowerCase();
  if (n === ':authority') return req.port !== undefined ? `${req.host}:${req.port}` : req.host;
  if (n === ':path') return req.path;
  if (n === ':method') return req.method;
  return req.headers[n];
}

function headerMatches(h: HeaderMatcher, req: ExplainRequest): boolean | string {
  let value = headerValue(h.name, req);
  if (value === undefined && h.treatMissingHeaderAsEmpty) value = '';
  const s = h.headerMatchSpecifier;
  let holds: boolean | string;
  if (s.case === 'presentMatch') holds = (value !== undefined) === s.value;
  else if (value === undefined) holds = false;
  else {
    switch (s.case) {
      case undefined:
        holds = true;
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
        const re = pcreToRegExp(`^(?:${s.value.regex})$`, false);
        holds = re ? re.test(value) : `regex ${JSON.stringify(s.value.regex)} cannot be evaluated here`;
        break;
      }
      case 'stringMatch':
        holds = stringMatches(s.value, value);
        break;
      case 'rangeMatch': {
        const n = Number(value);
        holds = Number.isInteger(n) && BigInt(n) >= s.value.start && BigInt(n) < s.value.end;
        break;
      }
      default:
        holds = false;
    }
  }
  if (typeof holds === 'string') return holds;
  return h.invertMatch ? !holds : holds;
}

function queryMatches(q: QueryParameterMatcher, req: ExplainRequest): boolean | string {
  const value = req.query[q.name];
  const s = q.queryParameterMatchSpecifier;
  if (s.case === 'presentMatch') return (value !== undefined) === s.value;
  if (value === undefined) return false;
  if (s.case === 'stringMatch') return stringMatches(s.value, value);
  return true;
}

function stringMatches(m: StringMatcher, raw: string): boolean | string {
  const value = m.ignoreCase ? raw.toLowerCase() : raw;
  const p = m.matchPattern;
  const norm = (s: string): string => (m.ignoreCase ? s.toLowerCase() : s);
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
      const re = pcreToRegExp(`^(?:${p.value.regex})$`, false);
      return re ? re.test(raw) : `regex ${JSON.stringify(p.value.regex)} cannot be evaluated here`;
    }
    default:
      return `string matcher ${p.case ?? 'none'} is not evaluated by explain`;
  }
}
