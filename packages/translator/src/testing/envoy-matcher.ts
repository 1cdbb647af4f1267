import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { HttpConnectionManagerSchema, type HeaderMatcher, type Listener, type QueryParameterMatcher, type Route, type RouteConfiguration, type StringMatcher, type VirtualHost } from '@amesh/proto';
import { HCM_TYPE, listenerAddress } from '../listener-translator.js';
import type { XdsResources } from '../xds-resources.js';
import { stripPort } from '../vhost-hosts.js';
import type { TestRequest } from './test-request.js';

/**
 * Envoy's routing decision, written from Envoy's documented rules (tests only): the listener of
 * the port picks the route configuration; ONE virtual host by authority (exact, longest `*suffix`,
 * longest `prefix*`, `*`); the FIRST route whose match holds; no match = 404.
 */
export function envoyRoute(xds: XdsResources, req: TestRequest, only?: RouteConfiguration): { vhost: VirtualHost; route: Route } | undefined {
  const rc = only ?? routeConfigFor(xds, req.port, req.address ?? '192.0.2.1');
  if (!rc) return undefined;
  const authority = req.authority.toLowerCase();
  const vhost = pickVhost(rc.virtualHosts, rc.ignorePortInHostMatching ? stripPort(authority) : authority);
  if (!vhost) return undefined;
  const route = vhost.routes.find((r) => routeMatches(r, req));
  return route ? { vhost, route } : undefined;
}

/** The listener Envoy hands the connection to: exact bind address first, then the wildcard one. */
function routeConfigFor(xds: XdsResources, port: number, address: string | undefined): RouteConfiguration | undefined {
  const exact = xds.listeners.filter((l) => listenerAddress(l).address === address);
  const wildcard = xds.listeners.filter((l) => ['0.0.0.0', '::', ''].includes(listenerAddress(l).address ?? ''));
  return hcmRouteConfig(xds, exact, port) ?? hcmRouteConfig(xds, wildcard, port);
}

function hcmRouteConfig(xds: XdsResources, listeners: readonly Listener[], port: number): RouteConfiguration | undefined {
  for (const l of listeners) {
    const lp = listenerAddress(l).port;
    for (const chain of l.filterChains) {
      if ((chain.filterChainMatch?.destinationPort ?? lp) !== port) continue;
      for (const f of chain.filters) {
        if (f.configType.case !== 'typedConfig' || f.configType.value.typeUrl !== HCM_TYPE) continue;
        const hcm = anyUnpack(f.configType.value, HttpConnectionManagerSchema);
        if (hcm?.routeSpecifier.case === 'rds') {
          const name = hcm.routeSpecifier.value.routeConfigName;
          return xds.routeConfigurations.find((rc) => rc.name === name);
        }
        if (hcm?.routeSpecifier.case === 'routeConfig') return hcm.routeSpecifier.value;
      }
    }
  }
  return undefined;
}

function pickVhost(vhosts: readonly VirtualHost[], authority: string): VirtualHost | undefined {
  let suffixBest: [number, VirtualHost] | undefined;
  let prefixBest: [number, VirtualHost] | undefined;
  let star: VirtualHost | undefined;
  for (const vh of vhosts) {
    for (const raw of vh.domains) {
      const d = raw.toLowerCase();
      if (d === authority) return vh;
    }
  }
  for (const vh of vhosts) {
    for (const raw of vh.domains) {
      const d = raw.toLowerCase();
      if (d === '*') {
        star ??= vh;
      } else if (d.startsWith('*')) {
        const suffix = d.slice(1);
        if (authority.length > suffix.length && authority.endsWith(suffix) && (!suffixBest || suffix.length > suffixBest[0])) suffixBest = [suffix.length, vh];
      } else if (d.endsWith('*')) {
        const prefix = d.slice(0, -1);
        if (authority.length > prefix.length && authority.startsWith(prefix) && (!prefixBest || prefix.length > prefixBest[0])) prefixBest = [prefix.length, vh];
      }
    }
  }
  return suffixBest?.[1] ?? prefixBest?.[1] ?? star;
}

function routeMatches(r: Route, req: TestRequest): boolean {
  const m = r.match;
  if (!m) return false;
  const cs = m.caseSensitive !== false;
  const path = cs ? req.path : req.path.toLowerCase();
  const lit = (s: string) => (cs ? s : s.toLowerCase());
  const ps = m.pathSpecifier;
  let ok: boolean;
  switch (ps.case) {
    case 'prefix':
      ok = path.startsWith(lit(ps.value));
      break;
    case 'path':
      ok = path === lit(ps.value);
      break;
    case 'pathSeparatedPrefix': {
      const p = lit(ps.value);
      ok = path === p || path.startsWith(`${p}/`);
      break;
    }
    case 'safeRegex':
      ok = new RegExp(`^(?:${ps.value.regex})$`).test(req.path);
      break;
    default:
      return false;
  }
  if (!ok) return false;
  if (!m.headers.every((h) => headerMatches(h, req))) return false;
  if (!m.queryParameters.every((q) => queryMatches(q, req))) return false;
  if (m.grpc && !(req.headers['content-type'] ?? '').startsWith('application/grpc')) return false;
  return true;
}

function stringMatches(s: StringMatcher, value: string): boolean {
  const ic = s.ignoreCase;
  const v = ic ? value.toLowerCase() : value;
  const p = s.matchPattern;
  const lit = (x: string) => (ic ? x.toLowerCase() : x);
  switch (p.case) {
    case 'exact':
      return v === lit(p.value);
    case 'prefix':
      return v.startsWith(lit(p.value));
    case 'suffix':
      return v.endsWith(lit(p.value));
    case 'contains':
      return v.includes(lit(p.value));
    case 'safeRegex':
      return new RegExp(`^(?:${p.value.regex})$`).test(value);
    default:
      return false;
  }
}

function headerValue(req: TestRequest, name: string): string | undefined {
  const n = name.toLowerCase();
  if (n === ':method') return req.method;
  if (n === ':authority' || n === 'host') return req.authority;
  if (n === ':path') return req.path;
  return req.headers[n];
}

/** HeaderUtility::matchHeaders: a missing header fails all but present_match:false (invert kept). */
function headerMatches(h: HeaderMatcher, req: TestRequest): boolean {
  const value = headerValue(req, h.name);
  const s = h.headerMatchSpecifier;
  const isPresent = s.case === 'presentMatch' || s.case === undefined;
  const presentWanted = s.case === 'presentMatch' ? s.value : true;
  if (value === undefined) {
    return h.invertMatch ? isPresent && presentWanted : isPresent && !presentWanted;
  }
  let match: boolean;
  switch (s.case) {
    case undefined:
    case 'presentMatch':
      match = presentWanted;
      break;
    case 'exactMatch':
      match = value === s.value;
      break;
    case 'prefixMatch':
      match = value.startsWith(s.value);
      break;
    case 'suffixMatch':
      match = value.endsWith(s.value);
      break;
    case 'containsMatch':
      match = value.includes(s.value);
      break;
    case 'safeRegexMatch':
      match = new RegExp(`^(?:${s.value.regex})$`).test(value);
      break;
    case 'stringMatch':
      match = stringMatches(s.value, value);
      break;
    case 'rangeMatch': {
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      match = n >= Number(s.value.start) && n < Number(s.value.end);
      break;
    }
    default:
      match = false;
  }
  return match !== h.invertMatch;
}

function queryMatches(q: QueryParameterMatcher, req: TestRequest): boolean {
  const value = req.query[q.name];
  const s = q.queryParameterMatchSpecifier;
  if (value === undefined) return s.case === 'presentMatch' && !s.value;
  if (s.case === 'presentMatch') return s.value;
  if (s.case === 'stringMatch') return stringMatches(s.value, value);
  return true;
}
