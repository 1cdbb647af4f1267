import type { HttpScope } from './route-translator.js';

export type PortMatch = 'server_port' | 'none';

/**
 * How APISIX tells the routes of different listeners apart (see README, "Listener ports"):
 * `$server_port` (and `$server_addr` for listeners bound to one address, e.g. Kuma's
 * `<vip>:<port>` outbound listeners) is the original destination under TPROXY interception.
 * A wildcard-address scope excludes the addresses that have their own listener on the same port,
 * as Envoy hands such connections to the more specific listener.
 */
export function scopeVars(scope: HttpScope, portMatch: PortMatch): unknown[][] {
  if (portMatch === 'none') return [];
  const vars: unknown[][] = [];
  if (scope.address !== undefined) vars.push(['server_addr', '==', scope.address]);
  else for (const a of scope.excludeAddresses ?? []) vars.push(['server_addr', '!', '==', a]);
  if (scope.port !== undefined) vars.push(['server_port', '==', scope.port]);
  return vars;
}

/** Scopes that can see the same requests share a key (one key for all under `none`). */
export function scopeKey(scope: HttpScope, portMatch: PortMatch): string {
  if (portMatch === 'none') return '';
  return `${scope.address ?? '*'}|${scope.port ?? ''}`;
}

const WILDCARD = new Set(['', '0.0.0.0', '::', '[::]']);

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;

/** An IP literal nginx reports as `$server_addr` (no hostnames, no redacted placeholders). */
export function isIpLiteral(a: string): boolean {
  return IPV4.test(a) || IPV6.test(a);
}

/** The listener address as a scope address: undefined for wildcard binds and non-IP addresses. */
export function specificAddress(address: string | undefined): string | undefined {
  return address === undefined || WILDCARD.has(address) || !isIpLiteral(address) ? undefined : address;
}

/** Fills `excludeAddresses` of wildcard scopes with the specific addresses bound on their port. */
export function linkScopes(scopes: HttpScope[]): void {
  const specific = new Map<number | undefined, Set<string>>();
  for (const s of scopes) {
    if (s.address === undefined) continue;
    (specific.get(s.port) ?? specific.set(s.port, new Set()).get(s.port)!).add(s.address);
  }
  for (const s of scopes) {
    if (s.address !== undefined) continue;
    const ex = specific.get(s.port);
    if (ex) s.excludeAddresses = [...ex].sort();
  }
}
