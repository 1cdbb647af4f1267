// Pure builder: options -> iptables-restore scripts (IPv4, and IPv6 for dual stack). The rule set
// follows istio-iptables' semantics, but in chains of our own (AMESH_*) reached by one jump per
// built-in chain, so that cleanup can remove exactly what we added.
import { Chain } from './chains.js';
import type { Cidr, IpFamily } from './ip-cidr.js';
import type { InterceptionOptions } from './options.js';
import { appendRule, newSection, renderSections, type TableSection } from './restore-script.js';

export interface RuleScripts {
  readonly ipv4: string;
  /** Present only with dualStack. */
  readonly ipv6?: string;
}

/** Marks connections from the proxy back to the app through lo, so inbound TPROXY skips them. */
const OUTBOUND_LOOP_MARK = 1338;
const SSH_PORT = '22';
const DNS_PORT = '53';

interface FamilyConstants {
  readonly family: IpFamily;
  /** The loopback address apps use for container-local traffic, never captured. */
  readonly localhost: string;
  /** Source address of the proxy's inbound passthrough connections to the app. */
  readonly passthroughSource: string;
}

const FAMILIES: Record<IpFamily, FamilyConstants> = {
  4: { family: 4, localhost: '127.0.0.1/32', passthroughSource: '127.0.0.6/32' },
  6: { family: 6, localhost: '::1/128', passthroughSource: '::6/128' },
};

export function buildRules(options: InterceptionOptions): RuleScripts {
  const ipv4 = buildFamily(options, FAMILIES[4]);
  return options.dualStack ? { ipv4, ipv6: buildFamily(options, FAMILIES[6]) } : { ipv4 };
}

function buildFamily(options: InterceptionOptions, fam: FamilyConstants): string {
  const nat = newSection('nat');
  const sections: TableSection[] = [nat];
  buildNatCommon(nat, options);
  if (options.mode === 'TPROXY') {
    const mangle = newSection('mangle');
    buildTproxyInbound(mangle, options, fam);
    sections.push(mangle);
  } else {
    buildRedirectInbound(nat, options);
  }
  buildNatOutput(nat, options, fam);
  if (options.redirectDns) {
    const raw = newSection('raw');
    buildDnsConntrackZones(raw, options, fam);
    sections.push(raw);
  }
  return renderSections(sections);
}

function ofFamily(cidrs: readonly Cidr[], fam: FamilyConstants): string[] {
  return cidrs.filter((c) => c.family === fam.family).map((c) => c.text);
}

function buildNatCommon(nat: TableSection, options: InterceptionOptions): void {
  if (options.mode === 'REDIRECT' && options.inboundPorts.length > 0) nat.chains.push(Chain.inbound);
  appendRule(nat, Chain.redirect, '-p tcp -j REDIRECT --to-ports', String(options.proxyPort));
  appendRule(nat, Chain.inRedirect, '-p tcp -j REDIRECT --to-ports', String(options.inboundCapturePort));
  nat.chains.push(Chain.output);
  if (options.redirectDns) nat.chains.push(Chain.outputDns);
}

/** Rules in front of the inbound selection: interfaces never captured, and SSH. */
function inboundPreamble(section: TableSection, options: InterceptionOptions, withInterfaces: boolean): void {
  if (withInterfaces) for (const nic of options.excludeInterfaces) appendRule(section, Chain.inbound, '-i', nic, '-j RETURN');
  // SSH stays reachable whatever the port lists say, so a bad capture can still be repaired.
  appendRule(section, Chain.inbound, '-p tcp --dport', SSH_PORT, '-j RETURN');
}

function buildRedirectInbound(nat: TableSection, options: InterceptionOptions): void {
  if (options.inboundPorts.length === 0) return;
  appendRule(nat, 'PREROUTING', '-p tcp -j', Chain.inbound);
  inboundPreamble(nat, options, true);
  if (options.inboundPorts === '*') {
    for (const port of options.inboundExcludePorts) appendRule(nat, Chain.inbound, '-p tcp --dport', port, '-j RETURN');
    appendRule(nat, Chain.inbound, '-p tcp -j', Chain.inRedirect);
  } else {
    for (const port of options.inboundPorts) appendRule(nat, Chain.inbound, '-p tcp --dport', port, '-j', Chain.inRedirect);
  }
}

function buildTproxyInbound(mangle: TableSection, options: InterceptionOptions, fam: FamilyConstants): void {
  const mark = String(options.tproxyMark);
  for (const chain of [Chain.prerouting, Chain.inbound, Chain.divert, Chain.tproxy, Chain.output]) mangle.chains.push(chain);
  appendRule(mangle, 'PREROUTING', '-p tcp -j', Chain.prerouting);
  appendRule(mangle, 'OUTPUT', '-p tcp -j', Chain.output);

  // Established inbound packets are marked so the fwmark route delivers them to the proxy's socket.
  appendRule(mangle, Chain.divert, '-j MARK --set-mark', mark);
  appendRule(mangle, Chain.divert, '-j ACCEPT');
  appendRule(mangle, Chain.tproxy, '!', '-d', fam.localhost, '-p tcp -j TPROXY --tproxy-mark', `${mark}/0xffffffff`, '--on-port', String(options.inboundCapturePort));

  for (const nic of options.excludeInterfaces) appendRule(mangle, Chain.prerouting, '-i', nic, '-j RETURN');
  if (options.inboundPorts.length > 0) appendRule(mangle, Chain.prerouting, '-p tcp -j', Chain.inbound);
  // Remember the mark on the connection so the app's replies (restored in OUTPUT) route via lo.
  appendRule(mangle, Chain.prerouting, '-p tcp -m mark --mark', mark, '-j CONNMARK --save-mark');

  if (options.inboundPorts.length > 0) {
    // Already-marked packets and the proxy's own connections to the app must not be captured again.
    appendRule(mangle, Chain.inbound, '-p tcp -m mark --mark', mark, '-j RETURN');
    appendRule(mangle, Chain.inbound, '-p tcp -s', fam.passthroughSource, '-i lo -j RETURN');
    appendRule(mangle, Chain.inbound, '-p tcp -i lo -m mark ! --mark', String(OUTBOUND_LOOP_MARK), '-j RETURN');
    // Excluded interfaces already returned in AMESH_PREROUTING.
    inboundPreamble(mangle, options, false);
    if (options.inboundPorts === '*') {
      for (const port of options.inboundExcludePorts) appendRule(mangle, Chain.inbound, '-p tcp --dport', port, '-j RETURN');
      appendRule(mangle, Chain.inbound, '-p tcp -m conntrack --ctstate RELATED,ESTABLISHED -j', Chain.divert);
      appendRule(mangle, Chain.inbound, '-p tcp -j', Chain.tproxy);
    } else {
      for (const port of options.inboundPorts) {
        appendRule(mangle, Chain.inbound, '-p tcp --dport', port, '-m conntrack --ctstate RELATED,ESTABLISHED -j', Chain.divert);
        appendRule(mangle, Chain.inbound, '-p tcp --dport', port, '-j', Chain.tproxy);
      }
    }
  }

  for (const nic of options.excludeInterfaces) appendRule(mangle, Chain.output, '-o', nic, '-j RETURN');
  appendRule(mangle, Chain.output, '-p tcp -o lo -m mark --mark', mark, '-j RETURN');
  for (const owner of ownerMatches(options)) {
    appendRule(mangle, Chain.output, '!', '-d', fam.localhost, '-p tcp -o lo', owner, '-j MARK --set-mark', String(OUTBOUND_LOOP_MARK));
  }
  appendRule(mangle, Chain.output, '-p tcp -m connmark --mark', mark, '-j CONNMARK --restore-mark');
}

/** "-m owner --uid-owner N" for each proxy uid, then the gid equivalents. */
function ownerMatches(options: InterceptionOptions, negate = false): string[] {
  const not = negate ? '! ' : '';
  return [
    ...options.proxyUids.map((uid) => `-m owner ${not}--uid-owner ${uid}`),
    ...options.proxyGids.map((gid) => `-m owner ${not}--gid-owner ${gid}`),
  ];
}

function buildNatOutput(nat: TableSection, options: InterceptionOptions, fam: FamilyConstants): void {
  // UDP must reach the chain too when DNS is captured.
  appendRule(nat, 'OUTPUT', ...(options.redirectDns ? [] : ['-p tcp']), '-j', Chain.output);
  for (const nic of options.excludeInterfaces) appendRule(nat, Chain.output, '-o', nic, '-j RETURN');
  // Port exclusions come before the loopback rules, so they also hold for calls back to self.
  for (const port of options.outboundExcludePorts) appendRule(nat, Chain.output, '-p tcp --dport', port, '-j RETURN');
  appendRule(nat, Chain.output, '-o lo -s', fam.passthroughSource, '-j RETURN');

  // With DNS capture, TCP port 53 on lo falls through to the DNS chain instead of returning early.
  const notDns = options.redirectDns ? ['-p tcp', '!', '--dport', DNS_PORT] : [];
  for (const [index, owner] of ownerMatches(options).entries()) {
    const negated = ownerMatches(options, true)[index]!;
    // The app calling itself through a service address: proxy (client) -> proxy (server) -> app.
    appendRule(nat, Chain.output, '-o lo ! -d', fam.localhost, ...notDns, owner, '-j', Chain.inRedirect);
    // The app calling itself by its own address over lo: not captured.
    appendRule(nat, Chain.output, '-o lo', ...notDns, negated, '-j RETURN');
    // The proxy's own outbound traffic: never captured, or it would loop.
    appendRule(nat, Chain.output, owner, '-j RETURN');
  }

  if (options.redirectDns) buildDnsRedirect(nat, options, fam);
  appendRule(nat, Chain.output, '-d', fam.localhost, '-j RETURN');
  for (const cidr of ofFamily(options.outboundExcludeCidrs, fam)) appendRule(nat, Chain.output, '-d', cidr, '-j RETURN');
  for (const port of options.outboundPorts) appendRule(nat, Chain.output, '-p tcp --dport', port, '-j', Chain.redirect);
  if (options.outboundCidrs === '*') {
    appendRule(nat, Chain.output, '-j', Chain.redirect);
  } else {
    for (const cidr of ofFamily(options.outboundCidrs, fam)) appendRule(nat, Chain.output, '-d', cidr, '-j', Chain.redirect);
  }
}

/** Destinations whose DNS is captured: every one, or the configured resolvers of this family. */
function dnsTargets(options: InterceptionOptions, fam: FamilyConstants): string[][] {
  if (options.captureAllDns) return [[]];
  return ofFamily(options.dnsServers, fam).map((server) => ['-d', server]);
}

function buildDnsRedirect(nat: TableSection, options: InterceptionOptions, fam: FamilyConstants): void {
  const port = String(options.dnsCapturePort);
  appendRule(nat, Chain.output, '-j', Chain.outputDns);
  for (const target of dnsTargets(options, fam)) {
    appendRule(nat, Chain.outputDns, '-p tcp --dport', DNS_PORT, ...target, '-j REDIRECT --to-ports', port);
  }
  for (const owner of ownerMatches(options)) appendRule(nat, Chain.outputDns, '-p udp --dport', DNS_PORT, owner, '-j RETURN');
  for (const target of dnsTargets(options, fam)) {
    appendRule(nat, Chain.outputDns, '-p udp --dport', DNS_PORT, ...target, '-j REDIRECT --to-ports', port);
  }
}

/**
 * Separate conntrack zones for app<->agent and agent<->resolver UDP flows: both share the same
 * 5-tuple after REDIRECT, and without zones conntrack merges them and drops replies.
 */
function buildDnsConntrackZones(raw: TableSection, options: InterceptionOptions, fam: FamilyConstants): void {
  raw.chains.push(Chain.outputDns, Chain.inboundDns);
  appendRule(raw, 'OUTPUT', '-j', Chain.outputDns);
  appendRule(raw, 'PREROUTING', '-j', Chain.inboundDns);
  for (const owner of ownerMatches(options)) {
    appendRule(raw, Chain.outputDns, '-p udp --dport', DNS_PORT, owner, '-j CT --zone 1');
    appendRule(raw, Chain.outputDns, '-p udp --sport', String(options.dnsCapturePort), owner, '-j CT --zone 2');
  }
  for (const target of dnsTargets(options, fam)) {
    appendRule(raw, Chain.outputDns, '-p udp --dport', DNS_PORT, ...target, '-j CT --zone 2');
    const source = target.length > 0 ? ['-s', target[1]!] : [];
    appendRule(raw, Chain.inboundDns, '-p udp --sport', DNS_PORT, ...source, '-j CT --zone 1');
  }
}
