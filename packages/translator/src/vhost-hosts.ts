import type { FieldIssue } from './field-issue.js';

/** Hosts already taken per listener port (after port stripping), to detect collisions. */
export type HostClaims = Map<string, Map<string, string>>;

const HOST = /^\*?[0-9a-zA-Z-._[\]:]+$/;

/**
 * VirtualHost.domains -> route `hosts`. `$host` in APISIX has no port, so ports are stripped
 * (`a.x:80` and `a.x` become one host); `*` makes the vhost match any authority (emitted
 * host-less); `*.x` / `*x` are APISIX wildcards; trailing wildcards (`a.*`) cannot be expressed.
 * A host that another vhost of the same port already claimed is dropped from this one.
 */
export function vhostHosts(
  domains: readonly string[],
  port: number | undefined,
  claimScope: string,
  vhostKey: string,
  claims: HostClaims,
  /** The domains' field path (a function: it is only needed when something is reported). */
  at: () => string,
  issues: FieldIssue[],
  ignorePortInHostMatching = false,
): { hosts: string[]; anyHost: boolean } {
  const hosts: string[] = [];
  // Per host: seen bare (`a.x`) and/or with the listener port (`a.x:80`); Envoy needs both forms
  // to match what APISIX matches (`$host` has no port), as Istio always lists them.
  const forms: number[] = [];
  let anyHost = false;
  let portClaims = claims.get(claimScope);
  if (!portClaims) claims.set(claimScope, (portClaims = new Map()));
  for (let i = 0; i < domains.length; i++) {
    const raw = domains[i]!;
    const d = /[A-Z]/.test(raw) ? raw.toLowerCase() : raw;
    if (d === '*') {
      const claimKey = '*';
      const owner = portClaims.get(claimKey);
      if (owner !== undefined && owner !== vhostKey) {
        issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: `'*' already used by virtual host ${owner}` });
        continue;
      }
      portClaims.set(claimKey, vhostKey);
      anyHost = true;
      continue;
    }
    // Istio lists `h` then `h:<port>`: the second is the port form of a host this vhost already has.
    const lastHost = hosts.length > 0 ? hosts[hosts.length - 1]! : undefined;
    if (port !== undefined && lastHost !== undefined && !lastHost.includes(':') && isHostPort(d, lastHost, port)) {
      forms[forms.length - 1]! |= 2;
      continue;
    }
    const host = stripPort(d);
    if (host.endsWith('*') || host.endsWith('.')) {
      issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: 'trailing wildcard domains cannot be matched by APISIX' });
      continue;
    }
    if (!HOST.test(host)) {
      issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: `domain ${JSON.stringify(domains[i])} is not a valid APISIX host` });
      continue;
    }
    const owner = portClaims.get(host);
    if (owner !== undefined && owner !== vhostKey) {
      issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: `host ${host} (port stripped) already belongs to virtual host ${owner}` });
      continue;
    }
    if (d !== host && port !== undefined && !isHostPort(d, host, port) && !ignorePortInHostMatching) {
      issues.push({ path: `${at()}[${i}]`, severity: 'approximated', reason: `APISIX cannot see the Host header's port: ${d} matches ${host} with any port` });
    }
    const form = d === host ? 1 : 2;
    if (owner === undefined) portClaims.set(host, vhostKey);
    else {
      const k = hosts.indexOf(host);
      if (k >= 0) {
        forms[k]! |= form;
        continue;
      }
    }
    hosts.push(host);
    forms.push(form);
  }
  if (port !== undefined && !ignorePortInHostMatching) {
    // One item per vhost: Istio lists both forms, other control planes often only one.
    let loose: string[] | undefined;
    for (let k = 0; k < hosts.length; k++) if (forms[k] !== 3) (loose ??= []).push(forms[k] === 1 ? `${hosts[k]} (not ${hosts[k]}:${port})` : `${hosts[k]}:${port} (not ${hosts[k]})`);
    if (loose) {
      issues.push({ path: at(), severity: 'approximated', reason: `APISIX matches these hosts with or without a port in Host, Envoy only as listed: ${loose.join(', ')}` });
    }
  }
  return { hosts, anyHost };
}

/** `d` is `${host}:${port}` (checked without building that string: once per domain of a mesh). */
function isHostPort(d: string, host: string, port: number): boolean {
  if (d.length <= host.length + 1 || d.charCodeAt(host.length) !== 58 || !d.startsWith(host)) return false;
  let n = 0;
  for (let k = host.length + 1; k < d.length; k++) {
    const c = d.charCodeAt(k) - 48;
    // No leading zeros: `a.x:080` is not `a.x:80` to Envoy.
    if (c < 0 || c > 9 || (k === host.length + 1 && c === 0 && k < d.length - 1)) return false;
    n = n * 10 + c;
  }
  return n === port;
}

/** `a.x:80` -> `a.x`, `[::1]:80` -> `[::1]`; IPv6 literals without brackets kept as they are. */
export function stripPort(d: string): string {
  if (d.startsWith('[')) {
    const end = d.indexOf(']');
    return end > 0 ? d.slice(0, end + 1) : d;
  }
  const colon = d.indexOf(':');
  if (colon < 0 || colon === d.length - 1 || d.indexOf(':', colon + 1) >= 0) return d;
  for (let k = colon + 1; k < d.length; k++) {
    const c = d.charCodeAt(k);
    if (c < 48 || c > 57) return d;
  }
  return d.slice(0, colon);
}
