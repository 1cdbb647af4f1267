import type { HttpScope } from './route-translator.js';

/** Which way a listener's traffic goes: into the pod (inbound) or out of it (outbound). */
export type TrafficDirection = 'inbound' | 'outbound';

/** The ports REDIRECT interception sends traffic to (istio-iptables `-p` / `-z`). */
export interface CapturePorts {
  readonly outbound: number;
  readonly inbound: number;
}

export const DEFAULT_CAPTURE_PORTS: CapturePorts = { outbound: 15001, inbound: 15006 };

/**
 * How APISIX tells the routes of different listeners apart (README, "Listener ports"):
 * `server_port` (TPROXY, or APISIX listening on the service ports), `capture` (REDIRECT to the
 * capture ports: `'capture'` alone uses DEFAULT_CAPTURE_PORTS) or `none`.
 */
export type PortMatch = 'server_port' | 'none' | 'capture' | { readonly mode: 'capture'; readonly ports: CapturePorts };

/** Where REDIRECT capture delivers a scope's requests; set by the listener stage. */
export interface CaptureScope {
  readonly direction: TrafficDirection;
  /** The port a Host header without port stands for: 443 on TLS chains, else 80. */
  readonly defaultPort: number;
  /** The scope's port is a service port (a chain's destination_port, or a non-virtual listener's port). */
  readonly servicePort: boolean;
  /** Set by linkScopes: the node's only inbound HTTP port, told apart by direction alone. */
  solePort?: boolean;
}

const OUTBOUND: CaptureScope = { direction: 'outbound', defaultPort: 80, servicePort: true };

export type PortMatchMode = { readonly mode: 'server_port' | 'none' } | { readonly mode: 'capture'; readonly ports: CapturePorts };

// Shared answers: scopeVars asks once per virtual host.
const MODES: { readonly [m in 'server_port' | 'none' | 'capture']: PortMatchMode } = {
  server_port: { mode: 'server_port' },
  none: { mode: 'none' },
  capture: { mode: 'capture', ports: DEFAULT_CAPTURE_PORTS },
};

/** The mode of a PortMatch, and the capture ports when it is `capture`. */
export function portMatchMode(pm: PortMatch): PortMatchMode {
  return typeof pm === 'object' ? pm : MODES[pm];
}

/**
 * `mode` (`capture`, `server_port`, `none`) and `ports` (`OUT,IN`, capture only) -> PortMatch,
 * or what is wrong with them, for command lines and environment variables.
 */
export function parsePortMatch(mode: string, ports?: string): { portMatch: PortMatch } | { problem: string } {
  if (mode !== 'capture' && mode !== 'server_port' && mode !== 'none') return { problem: `expected capture, server_port or none (got ${JSON.stringify(mode)})` };
  if (ports === undefined) return { portMatch: mode };
  const m = /^(\d{1,5}),(\d{1,5})$/.exec(ports.trim());
  const [outbound, inbound] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  if (!m || outbound < 1 || outbound > 65535 || inbound < 1 || inbound > 65535 || outbound === inbound) {
    return { problem: `capture ports: expected OUT,IN, two different ports 1-65535 such as 15001,15006 (got ${JSON.stringify(ports)})` };
  }
  return { portMatch: mode === 'capture' ? { mode, ports: { outbound, inbound } } : mode };
}

/**
 * The conditions that keep a scope's routes to its listener's requests.
 *
 * `server_port`: `$server_port` (and `$server_addr` for listeners bound to one address, e.g. Kuma's
 * `<vip>:<port>` outbound listeners) is the original destination under TPROXY interception. A
 * wildcard-address scope excludes the addresses that have their own listener on the same port,
 * as Envoy hands such connections to the more specific listener.
 *
 * `capture`: REDIRECT rewrites the destination to the capture port of the direction, so
 * `$server_port` tells the direction, and the original port comes from the Host header's port
 * (none: the scheme's default). A node's only inbound HTTP port needs no Host port.
 */
export function scopeVars(scope: HttpScope, portMatch: PortMatch): unknown[][] {
  const pm = portMatchMode(portMatch);
  if (pm.mode === 'none') return [];
  if (pm.mode === 'capture') {
    const c = scope.capture ?? OUTBOUND;
    const vars: unknown[][] = [['server_port', '==', pm.ports[c.direction]]];
    if (scope.port !== undefined && !c.solePort) vars.push(hostPortVar(scope.port, c.defaultPort));
    return vars;
  }
  const vars: unknown[][] = [];
  if (scope.address !== undefined) vars.push(['server_addr', '==', scope.address]);
  else for (const a of scope.excludeAddresses ?? []) vars.push(['server_addr', '!', '==', a]);
  if (scope.port !== undefined) vars.push(['server_port', '==', scope.port]);
  return vars;
}

/** A Host port at the end (`a:8080`, `[::1]:8080`); `[::1]` and `a` have none. */
const ANY_HOST_PORT = ':[0-9]+$';

/**
 * `$http_host` names `port`: ends in `:port`, or, for the default port, has no port at all (a
 * missing Host header included: `~~` fails on nil and `!` turns that into a match).
 */
export function hostPortVar(port: number, defaultPort: number): unknown[] {
  const explicit = ['http_host', '~~', `:${port}$`];
  return port === defaultPort ? ['OR', explicit, ['http_host', '!', '~~', ANY_HOST_PORT]] : explicit;
}

/** Scopes that can see the same requests share a key (one key for all under `none`). */
export function scopeKey(scope: HttpScope, portMatch: PortMatch): string {
  const pm = portMatchMode(portMatch);
  if (pm.mode === 'none') return '';
  if (pm.mode === 'capture') {
    const c = scope.capture ?? OUTBOUND;
    return `${c.direction}|${c.solePort ? '' : (scope.port ?? '')}`;
  }
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

/**
 * Fills `excludeAddresses` of wildcard scopes with the specific addresses bound on their port, and
 * marks the inbound scopes of a node with a single inbound HTTP service port (`capture.solePort`).
 */
export function linkScopes(scopes: HttpScope[]): void {
  const inboundPorts = new Set<number | undefined>();
  for (const s of scopes) if (s.capture?.direction === 'inbound' && s.capture.servicePort) inboundPorts.add(s.port);
  if (inboundPorts.size === 1) for (const s of scopes) if (s.capture?.direction === 'inbound' && s.capture.servicePort) s.capture.solePort = true;
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
