import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { HttpConnectionManagerSchema, type Listener, type RouteConfiguration } from '@amesh/proto';
import { specificAddress } from '../listener-scope.js';
import { listenerAddress, listenerDirection } from '../listener-translator.js';
import type { XdsRefs } from '../xds-resources.js';

/** What route matching reads of a snapshot (XdsResources and XdsRefs both have it). */
export type RouteTopology = Pick<XdsRefs, 'listeners' | 'routeConfigurations'>;
import type { MatchRequest } from './match-request.js';

/** A route configuration that may serve a request, and where the translation report files items about it. */
export interface EnvoyRouteScope {
  routeConfiguration: RouteConfiguration;
  /** `RouteConfiguration` for RDS (and route configurations alone), `Listener` for an inline route_config. */
  reportKind: 'RouteConfiguration' | 'Listener';
  reportName: string;
  /** Path of the route configuration inside the reported resource ('' for RDS), ending in `.`. */
  reportPrefix: string;
}

/**
 * The route configurations that may serve the request, Envoy's choice first: among the listeners
 * of its direction (when given), the HTTP filter chains on its port (a chain's `destination_port`, else the listener's) of the listener bound to
 * its exact address, then of wildcard listeners. Without a port, every HTTP chain. Without any
 * listener in the input, route configurations alone are served on the port their name ends with
 * (`9080`, `name:9080`), or on every port, as the translator reads them.
 */
export function envoyRouteScopes(xds: RouteTopology, req: MatchRequest): EnvoyRouteScope[] {
  if (xds.listeners.length === 0) return routeConfigurationsAlone(xds.routeConfigurations, req.port);
  const bound = (l: Listener): string | undefined => specificAddress(listenerAddress(l).address);
  // Interception hands inbound and outbound connections to different listeners.
  const listeners = req.direction === undefined ? xds.listeners : xds.listeners.filter((l) => listenerDirection(l) === req.direction);
  const exact = req.address === undefined ? [] : listeners.filter((l) => bound(l) === req.address);
  const wildcard = listeners.filter((l) => bound(l) === undefined);
  const ordered = req.port === undefined ? listeners : [...exact, ...wildcard];
  return ordered.flatMap((l) => httpScopes(xds, l, req.port));
}

function httpScopes(xds: RouteTopology, listener: Listener, port: number | undefined): EnvoyRouteScope[] {
  const scopes: EnvoyRouteScope[] = [];
  const listenerPort = listenerAddress(listener).port;
  listener.filterChains.forEach((chain, ci) => {
    if (port !== undefined && (chain.filterChainMatch?.destinationPort ?? listenerPort) !== port) return;
    chain.filters.forEach((filter, fi) => {
      if (filter.configType.case !== 'typedConfig') return;
      const hcm = anyUnpack(filter.configType.value, HttpConnectionManagerSchema);
      const spec = hcm?.routeSpecifier;
      if (spec?.case === 'rds') {
        const rc = xds.routeConfigurations.find((r) => r.name === spec.value.routeConfigName);
        if (rc) scopes.push({ routeConfiguration: rc, reportKind: 'RouteConfiguration', reportName: rc.name, reportPrefix: '' });
      } else if (spec?.case === 'routeConfig') {
        scopes.push({
          routeConfiguration: spec.value,
          reportKind: 'Listener',
          reportName: listener.name,
          reportPrefix: `filter_chains[${ci}].filters[${fi}].typed_config.route_config.`,
        });
      }
    });
  });
  return scopes;
}

function routeConfigurationsAlone(rcs: readonly RouteConfiguration[], port: number | undefined): EnvoyRouteScope[] {
  const portOf = (rc: RouteConfiguration): number | undefined => {
    const m = /^(?:.*:)?(\d{1,5})$/.exec(rc.name);
    return m ? Number(m[1]) : undefined;
  };
  return rcs
    .filter((rc) => port === undefined || portOf(rc) === undefined || portOf(rc) === port)
    .map((rc) => ({ routeConfiguration: rc, reportKind: 'RouteConfiguration', reportName: rc.name, reportPrefix: '' }));
}
