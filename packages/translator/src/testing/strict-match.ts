import type { Route, RouteConfiguration, VirtualHost } from '@amesh/proto';
import type { ApisixRoute } from '../apisix-types.js';
import { evalVars, matchApisixRoute, matchEnvoyRoute, matchRouteConfiguration, pcreToRegExp, type MatchRequest } from '../matching/index.js';
import type { XdsResources } from '../xds-resources.js';

/**
 * The public matchers (../matching) as the translator's tests use them: a decision that depends on
 * something the request does not tell fails the test instead of being skipped, and requests
 * without an address come from one no test listener binds.
 */
export const TEST_ADDRESS = '192.0.2.1';

const withAddress = (req: MatchRequest): MatchRequest => (req.address === undefined ? { ...req, address: TEST_ADDRESS } : req);

function decided<T extends { uncertain?: string }>(m: T, req: MatchRequest): T {
  if (m.uncertain) throw new Error(`matcher cannot decide ${JSON.stringify(req)}: ${m.uncertain}`);
  return m;
}

/** APISIX's route for the request (undefined: 404). */
export function apisixRoute(routes: readonly ApisixRoute[], req: MatchRequest): ApisixRoute | undefined {
  const r = withAddress(req);
  return decided(matchApisixRoute(routes, r), r).route;
}

/** Envoy's virtual host and route for the request, in `only` when given (undefined: 404). */
export function envoyRoute(xds: XdsResources, req: MatchRequest, only?: RouteConfiguration): { vhost: VirtualHost; route: Route } | undefined {
  const r = withAddress(req);
  const m = only ? matchRouteConfiguration(only, r) : matchEnvoyRoute(xds, r);
  if (!m) return undefined;
  decided(m, r);
  return m.route ? { vhost: m.virtualHost, route: m.route } : undefined;
}

/** Whether `vars` hold for the request, as lua-resty-expr decides. */
export function varsHold(vars: readonly unknown[], req: MatchRequest): boolean {
  const r = evalVars(vars, withAddress(req));
  if (r.holds === undefined) throw new Error(`vars ${JSON.stringify(vars)} cannot be decided: ${r.unknown}`);
  return r.holds;
}

/** A PCRE pattern as a JS RegExp; throws when JS cannot express it. */
export function pcre(pattern: string, caseless: boolean): RegExp {
  const re = pcreToRegExp(pattern, caseless);
  if (!re) throw new Error(`pattern ${JSON.stringify(pattern)} has no JS equivalent`);
  return re;
}
