// The command line: istio-iptables' flags (short and long), api7/Amesh's names as aliases.
// One table drives parsing, --help and the README's options table.

export type FlagKey =
  | 'proxyPort'
  | 'inboundCapturePort'
  | 'proxyUid'
  | 'proxyGid'
  | 'mode'
  | 'tproxyMark'
  | 'tproxyRouteTable'
  | 'inboundPorts'
  | 'inboundExcludePorts'
  | 'outboundCidrs'
  | 'outboundExcludeCidrs'
  | 'outboundPorts'
  | 'outboundExcludePorts'
  | 'excludeInterfaces'
  | 'dualStack'
  | 'redirectDns'
  | 'captureAllDns'
  | 'dryRun'
  | 'cleanupOnly'
  | 'help';

export interface FlagSpec {
  readonly key: FlagKey;
  /** istio-iptables' long name, without dashes. */
  readonly long: string;
  readonly short?: string;
  /** api7/Amesh's long names accepted for the same setting. */
  readonly aliases: readonly string[];
  readonly boolean: boolean;
  /** Shown in help and README; the real defaults live in DEFAULT_OPTIONS. */
  readonly defaultText: string;
  readonly description: string;
}

export const FLAGS: readonly FlagSpec[] = [
  { key: 'proxyPort', long: 'envoy-port', short: 'p', aliases: ['apisix-port'], boolean: false, defaultText: '15001', description: 'Port all captured outbound TCP is redirected to (the proxy\'s outbound listener)' },
  { key: 'inboundCapturePort', long: 'inbound-capture-port', short: 'z', aliases: ['apisix-inbound-capture-port'], boolean: false, defaultText: '15006', description: 'Port all captured inbound TCP is redirected to' },
  { key: 'proxyUid', long: 'proxy-uid', short: 'u', aliases: ['apisix-user'], boolean: false, defaultText: '1337', description: 'Comma-separated users (name or uid) whose traffic is never captured: the proxy\'s' },
  { key: 'proxyGid', long: 'proxy-gid', short: 'g', aliases: [], boolean: false, defaultText: 'same as -u', description: 'Comma-separated groups (name or gid) whose traffic is never captured' },
  { key: 'mode', long: 'istio-inbound-interception-mode', short: 'm', aliases: [], boolean: false, defaultText: 'REDIRECT', description: 'Inbound capture mode: REDIRECT (NAT) or TPROXY (keeps the original destination)' },
  { key: 'tproxyMark', long: 'istio-inbound-tproxy-mark', short: 't', aliases: [], boolean: false, defaultText: '1337', description: 'TPROXY: packet mark for captured inbound packets' },
  { key: 'tproxyRouteTable', long: 'istio-inbound-tproxy-route-table', short: 'r', aliases: [], boolean: false, defaultText: '133', description: 'TPROXY: routing table that delivers marked packets locally' },
  { key: 'inboundPorts', long: 'istio-inbound-ports', short: 'b', aliases: ['inbound-ports'], boolean: false, defaultText: '(empty)', description: 'Inbound ports to capture, "*" for all; empty captures no inbound traffic' },
  { key: 'inboundExcludePorts', long: 'istio-local-exclude-ports', short: 'd', aliases: ['inbound-exclude-ports'], boolean: false, defaultText: '(empty)', description: 'Inbound ports not captured when -b is "*"' },
  { key: 'outboundCidrs', long: 'istio-service-cidr', short: 'i', aliases: [], boolean: false, defaultText: '(empty)', description: 'Outbound destination CIDRs to capture, "*" for all; empty captures none (but see -q)' },
  { key: 'outboundExcludeCidrs', long: 'istio-service-exclude-cidr', short: 'x', aliases: [], boolean: false, defaultText: '(empty)', description: 'Outbound destination CIDRs never captured' },
  { key: 'outboundPorts', long: 'istio-outbound-ports', short: 'q', aliases: ['outbound-ports'], boolean: false, defaultText: '(empty)', description: 'Outbound destination ports captured whatever the destination address' },
  { key: 'outboundExcludePorts', long: 'istio-local-outbound-ports-exclude', short: 'o', aliases: ['outbound-exclude-ports'], boolean: false, defaultText: '(empty)', description: 'Outbound destination ports never captured' },
  { key: 'excludeInterfaces', long: 'istio-exclude-interfaces', short: 'c', aliases: [], boolean: false, defaultText: '(empty)', description: 'Interfaces whose traffic is never captured, in either direction' },
  { key: 'dualStack', long: 'dual-stack', aliases: [], boolean: true, defaultText: 'false', description: 'Also capture IPv6 (writes ip6tables rules)' },
  { key: 'redirectDns', long: 'redirect-dns', aliases: [], boolean: true, defaultText: 'false', description: 'Capture DNS (port 53) to the agent on 15053' },
  { key: 'captureAllDns', long: 'capture-all-dns', aliases: [], boolean: true, defaultText: 'false', description: 'With --redirect-dns: capture all port-53 traffic, not only to the resolvers in /etc/resolv.conf' },
  { key: 'dryRun', long: 'dry-run', short: 'n', aliases: [], boolean: true, defaultText: 'false', description: 'Print the iptables-restore script and route commands; change nothing' },
  { key: 'cleanupOnly', long: 'cleanup-only', aliases: [], boolean: true, defaultText: 'false', description: 'Remove our chains, jumps and TPROXY route; add nothing' },
  { key: 'help', long: 'help', short: 'h', aliases: [], boolean: true, defaultText: '', description: 'Print this help' },
];

export function findFlag(name: string, isShort: boolean): FlagSpec | undefined {
  return FLAGS.find((flag) => (isShort ? flag.short === name : flag.long === name || flag.aliases.includes(name)));
}

export function usage(): string {
  const rows = FLAGS.map((flag) => {
    const names = [flag.short ? `-${flag.short}` : '', `--${flag.long}`, ...flag.aliases.map((a) => `--${a}`)].filter(Boolean).join(', ');
    const value = flag.boolean ? '' : ' <value>';
    const defaults = flag.defaultText ? ` (default ${flag.defaultText})` : '';
    return `  ${names}${value}\n      ${flag.description}${defaults}`;
  });
  return `Usage: amesh-sidecar iptables [flags]\n\nSets up istio-iptables compatible traffic capture in AMESH_* chains.\n\nFlags:\n${rows.join('\n')}\n`;
}
