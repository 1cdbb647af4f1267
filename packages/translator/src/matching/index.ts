export { requestHost, captured, type MatchRequest } from './match-request.js';
export { pcreToRegExp } from './pcre-regexp.js';
export { evalVars, type ExprOutcome } from './lua-expr.js';
export { matchApisixRoute, isTerminalRoute, NO_HOSTS, type ApisixMatch, type RouteCandidate } from './apisix-matcher.js';
export { envoyRouteAction, actionClusters, type EnvoyAction } from './envoy-action.js';
export { envoyRouteScopes, type EnvoyRouteScope, type RouteTopology } from './envoy-route-scopes.js';
export {
  matchEnvoyRoute,
  matchRouteConfiguration,
  selectVirtualHost,
  firstMatchingRoute,
  type EnvoyMatch,
  type EnvoyVirtualHostMatch,
} from './envoy-matcher.js';
