// The resolved, validated configuration the rule builder works from. Every field is already
// checked (ports in range, canonical CIDRs, numeric ids), so the builder never fails.
import type { Cidr } from './ip-cidr.js';

export type InterceptionMode = 'REDIRECT' | 'TPROXY';

/** "*" captures every port; a list captures only those (a port is "80" or a range "8000:8100"). */
export type PortSelection = '*' | readonly string[];

/** "*" captures every destination; a list captures only those ranges. */
export type CidrSelection = '*' | readonly Cidr[];

export interface InterceptionOptions {
  /** Outbound capture port (istio -p, Envoy's 15001; APISIX's outbound listener here). */
  readonly proxyPort: number;
  /** Inbound capture port (istio -z, 15006). */
  readonly inboundCapturePort: number;
  /** Owners whose traffic is never captured: the proxy runs as these (istio -u/-g, 1337). */
  readonly proxyUids: readonly number[];
  readonly proxyGids: readonly number[];
  readonly mode: InterceptionMode;
  /** TPROXY only: packet mark and policy-routing table that deliver marked packets locally. */
  readonly tproxyMark: number;
  readonly tproxyRouteTable: number;
  readonly inboundPorts: PortSelection;
  /** Only used when inboundPorts is "*". */
  readonly inboundExcludePorts: readonly string[];
  readonly outboundCidrs: CidrSelection;
  readonly outboundExcludeCidrs: readonly Cidr[];
  readonly outboundPorts: readonly string[];
  readonly outboundExcludePorts: readonly string[];
  /** Interfaces whose traffic is never captured, in either direction. */
  readonly excludeInterfaces: readonly string[];
  /** Also write ip6tables rules. */
  readonly dualStack: boolean;
  readonly redirectDns: boolean;
  /** With redirectDns: capture every port-53 flow, not only those to dnsServers. */
  readonly captureAllDns: boolean;
  /** With redirectDns and not captureAllDns: the resolvers whose traffic is captured. */
  readonly dnsServers: readonly Cidr[];
  readonly dnsCapturePort: number;
  readonly dryRun: boolean;
  readonly cleanupOnly: boolean;
}

/** istio-iptables' defaults: nothing is captured until -b / -i / -q say so. */
export const DEFAULT_OPTIONS: InterceptionOptions = {
  proxyPort: 15001,
  inboundCapturePort: 15006,
  proxyUids: [1337],
  proxyGids: [1337],
  mode: 'REDIRECT',
  tproxyMark: 1337,
  tproxyRouteTable: 133,
  inboundPorts: [],
  inboundExcludePorts: [],
  outboundCidrs: [],
  outboundExcludeCidrs: [],
  outboundPorts: [],
  outboundExcludePorts: [],
  excludeInterfaces: [],
  dualStack: false,
  redirectDns: false,
  captureAllDns: false,
  dnsServers: [],
  dnsCapturePort: 15053,
  dryRun: false,
  cleanupOnly: false,
};
