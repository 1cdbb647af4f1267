import type { Any } from '@bufbuild/protobuf/wkt';
import { equals } from '@bufbuild/protobuf';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import type { FilterChain, Listener, RouteConfiguration } from '@amesh/proto';
import { HttpConnectionManagerSchema, RouteConfigurationSchema, TcpProxySchema, type HttpFilter } from '@amesh/proto';
import type { FieldIssue } from './field-issue.js';
import { TrafficDirection as EnvoyDirection } from '@amesh/proto/gen/envoy/config/core/v3/base_pb';
import { DownstreamTlsContextSchema } from '@amesh/proto/gen/envoy/extensions/transport_sockets/tls/v3/tls_pb';
import { specificAddress, type CaptureScope, type TrafficDirection } from './listener-scope.js';
import type { HttpScope } from './route-translator.js';
import type { TcpChain } from './stream-route-translator.js';

const PREFIX = 'type.googleapis.com/';
export const HCM_TYPE = `${PREFIX}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`;
export const TCP_PROXY_TYPE = `${PREFIX}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`;

export interface ListenerSide {
  scopes: HttpScope[];
  tcp: TcpChain[];
  /** Names of RouteConfigurations some listener references. */
  referenced: Set<string>;
}

/** The listener's own port and address (`0.0.0.0_80`, `10.0.0.1_9080`, `virtualOutbound`…). */
export function listenerAddress(l: Listener): { address?: string; port?: number } {
  const a = l.address?.address;
  if (a?.case !== 'socketAddress') return {};
  const ps = a.value.portSpecifier;
  return { address: a.value.address, port: ps.case === 'portValue' ? ps.value : undefined };
}

/**
 * Which way the listener's traffic goes: its traffic_direction, else Istio's names
 * (`virtualInbound`; `virtualOutbound`, `0.0.0.0_<port>`, `<vip>_<port>` are outbound); a
 * listener that says nothing is taken as outbound.
 */
export function listenerDirection(l: Listener): TrafficDirection {
  if (l.trafficDirection === EnvoyDirection.INBOUND) return 'inbound';
  if (l.trafficDirection === EnvoyDirection.OUTBOUND) return 'outbound';
  return l.name === 'virtualInbound' ? 'inbound' : 'outbound';
}

/** A listener that takes connections for many original ports (Istio's virtualInbound/virtualOutbound). */
function isVirtual(l: Listener): boolean {
  return l.useOriginalDst === true || l.name === 'virtualInbound' || l.name === 'virtualOutbound';
}

/**
 * What capture scoping needs to know about a chain: a Host without port stands for 443 when the
 * chain terminates the client's own TLS (no client certificate required); mutual TLS is a mesh
 * hop that carries the application's plain-HTTP request (and Host), so 80 still holds there.
 */
function captureScope(l: Listener, chain: FilterChain): CaptureScope {
  const ts = chain.transportSocket?.configType;
  let clientTls = false;
  if (ts?.case === 'typedConfig' && ts.value.typeUrl.endsWith('.DownstreamTlsContext')) {
    clientTls = anyUnpack(ts.value, DownstreamTlsContextSchema)?.requireClientCertificate !== true;
  }
  return {
    direction: listenerDirection(l),
    defaultPort: clientTls ? 443 : 80,
    servicePort: chain.filterChainMatch?.destinationPort !== undefined || !isVirtual(l),
  };
}

/**
 * Listeners -> HTTP scopes (route configuration + port) and TCP chains. Each filter chain is
 * served on its filter_chain_match.destination_port when given (virtualOutbound/virtualInbound
 * carry one chain per original port), else on the listener's port. Never throws.
 */
export function translateListeners(
  listeners: readonly Listener[],
  routeConfigs: ReadonlyMap<string, RouteConfiguration>,
  report: (listener: string, issue: FieldIssue) => void,
): ListenerSide {
  const side: ListenerSide = { scopes: [], tcp: [], referenced: new Set() };
  const seenScopes = new Set<string>();
  const seenInline = new Map<string, { rc: RouteConfiguration; at: string }>();
  for (const l of listeners) {
    try {
      const { address, port } = listenerAddress(l);
      const chains: [FilterChain, string][] = l.filterChains.map((c, k) => [c, `filter_chains[${k}]`]);
      if (l.defaultFilterChain) chains.push([l.defaultFilterChain, 'default_filter_chain']);
      if (l.filterChainMatcher) report(l.name, { path: 'filter_chain_matcher', severity: 'ignored', reason: 'matcher-based chain selection not supported; chains use their filter_chain_match' });
      for (const [chain, at] of chains) {
        translateChain(l, chain, at, address, port, routeConfigs, side, seenScopes, seenInline, (i) => report(l.name, i));
      }
    } catch (e) {
      report(l.name, { path: '', severity: 'dropped', reason: `internal error: ${(e as Error).message}` });
    }
  }
  return side;
}

function translateChain(
  l: Listener,
  chain: FilterChain,
  at: string,
  address: string | undefined,
  listenerPort: number | undefined,
  routeConfigs: ReadonlyMap<string, RouteConfiguration>,
  side: ListenerSide,
  seenScopes: Set<string>,
  seenInline: Map<string, { rc: RouteConfiguration; at: string }>,
  report: (i: FieldIssue) => void,
): void {
  const m = chain.filterChainMatch;
  const port = m?.destinationPort ?? listenerPort;
  const scopeAddress = specificAddress(address);
  // Inbound and outbound scopes of one port are distinct requests under capture scoping.
  const place = `${listenerDirection(l)}\u0000${scopeAddress ?? ''}\u0000${port}`;
  if (m?.prefixRanges.length || m?.sourcePrefixRanges.length || m?.sourcePorts.length) {
    report({ path: `${at}.filter_chain_match`, severity: 'ignored', reason: 'address/source conditions of the chain not translated' });
  }
  for (let f = 0; f < chain.filters.length; f++) {
    const filter = chain.filters[f]!;
    const fAt = `${at}.filters[${f}]`;
    const any: Any | undefined = filter.configType.case === 'typedConfig' ? filter.configType.value : undefined;
    if (!any) {
      report({ path: fAt, severity: 'ignored', reason: `filter ${filter.name} has no typed_config` });
      continue;
    }
    switch (any.typeUrl) {
      case HCM_TYPE: {
        const hcm = anyUnpack(any, HttpConnectionManagerSchema);
        if (!hcm) break;
        const filterDefaults = httpFilterDefaults(hcm.httpFilters, `${fAt}.typed_config.http_filters`, report);
        // Envoy then matches domains without the Host port, as APISIX's $host does.
        const hostPortIgnored = hcm.stripMatchingHostPort || (hcm.stripPortMode.case === 'stripAnyHostPort' && hcm.stripPortMode.value);
        const rs = hcm.routeSpecifier;
        if (rs.case === 'rds') {
          const name = rs.value.routeConfigName;
          side.referenced.add(name);
          const rc = routeConfigs.get(name);
          if (!rc) {
            report({ path: `${fAt}.typed_config.rds.route_config_name`, severity: 'dropped', reason: `route configuration ${name} not received yet / unknown` });
            break;
          }
          const key = `${place}\u0000${name}`;
          if (seenScopes.has(key)) break;
          seenScopes.add(key);
          side.scopes.push({ listener: l.name, port, address: scopeAddress, capture: captureScope(l, chain), routeConfig: rc, filterDefaults, hostPortIgnored, reportKind: 'RouteConfiguration', reportName: name, reportPrefix: '' });
        } else if (rs.case === 'routeConfig') {
          const rc = rs.value;
          // Chains told apart by TLS/ALPN only (Istio's inbound tls/plaintext twins) carry the same
          // route configuration; APISIX sees one request stream per address:port, so one is kept.
          const key = rc.name ? `${place}\u0000${rc.name}` : `${place}\u0000${l.name}\u0000${at}`;
          const first = seenInline.get(key);
          if (first) {
            if (!equals(RouteConfigurationSchema, first.rc, rc)) {
              report({ path: `${fAt}.typed_config.route_config`, severity: 'ignored', reason: `route configuration ${rc.name} is already served on port ${port} by ${first.at}; chains differing only by TLS/ALPN cannot be told apart` });
            }
            return;
          }
          seenInline.set(key, { rc, at: `${l.name} ${at}` });
          side.scopes.push({
            listener: l.name,
            port,
            address: scopeAddress,
            capture: captureScope(l, chain),
            filterDefaults,
            hostPortIgnored,
            routeConfig: rc.name ? rc : { ...rc, name: `${l.name}/${at}` },
            reportKind: 'Listener',
            reportName: l.name,
            reportPrefix: `${fAt}.typed_config.route_config.`,
          });
        } else {
          report({ path: `${fAt}.typed_config`, severity: 'dropped', reason: `routes by ${rs.case ?? '(nothing)'} not supported` });
        }
        return; // HCM is terminal
      }
      case TCP_PROXY_TYPE: {
        const tp = anyUnpack(any, TcpProxySchema);
        if (!tp) break;
        side.tcp.push({ listener: l.name, at: fAt, address, port, serverNames: m?.serverNames ?? [], proxy: tp });
        return; // tcp_proxy is terminal
      }
      default:
        report({ path: fAt, severity: 'ignored', reason: `network filter ${filter.name || any.typeUrl} not translated` });
    }
  }
}

/** HTTP filters whose effect the route side expresses, or that need nothing in APISIX. */
const ROUTE_LEVEL_FILTERS = new Set([
  `${PREFIX}envoy.extensions.filters.http.router.v3.Router`,
  `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`,
  `${PREFIX}envoy.extensions.filters.http.cors.v3.Cors`,
  `${PREFIX}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`,
]);

/**
 * The HCM's http_filters: filter-level configs of fault and local_ratelimit apply to every route
 * unless a route or vhost overrides them (returned as defaults, keyed by filter name); filters
 * APISIX does not reproduce are reported once per filter chain.
 */
function httpFilterDefaults(filters: readonly HttpFilter[], at: string, report: (i: FieldIssue) => void): { [filter: string]: Any } {
  const defaults: { [filter: string]: Any } = {};
  filters.forEach((f, i) => {
    const any = f.configType.case === 'typedConfig' ? f.configType.value : undefined;
    if (!any || !ROUTE_LEVEL_FILTERS.has(any.typeUrl)) {
      if (!f.isOptional || any) report({ path: `${at}[${i}]`, severity: 'ignored', reason: `HTTP filter ${f.name || any?.typeUrl || '(unnamed)'} not translated` });
      return;
    }
    if (any.typeUrl.endsWith('.HTTPFault') || any.typeUrl.endsWith('.LocalRateLimit')) defaults[f.name] = any;
  });
  return defaults;
}
