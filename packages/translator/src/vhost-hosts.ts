import type { FieldIssue } from './field-issue.js';

/** Hosts already taken per listener port (after port stripping), to detect collisions. */
export type HostClaims = Map<string, Map<string, string>>;

/**
 * APISIX's host pattern `^\*?[0-9a-zA-Z-._[\]:]+$`, tested with a char loop (no regex call per
 * domain of a mesh).
 */
export function isApisixHost(host: string): boolean {
  const from = host.charCodeAt(0) === 42 ? 1 : 0; // '*'
  if (host.length <= from) return false;
  for (let k = from; k < host.length; k++) {
    const c = host.charCodeAt(k);
    const ok =
      (c >= 97 && c <= 122) || // a-z
      (c >= 48 && c <= 58) || // 0-9 :
      (c >= 65 && c <= 91) || // A-Z [
      c === 93 || // ]
      c === 45 || // -
      c === 46 || // .
      c === 95; // _
    if (!ok) return false;
  }
  return true;
}

/** The domain lower-cased (the same string when it has no A-Z, as most have). */
function lowerCased(d: string): string {
  for (let k = 0; k < d.length; k++) {
    const c = d.charCodeAt(k);
    if (c >= 65 && c <= 90) return d.toLowerCase();
  }
  return d;
}

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
  // Sized up front, filled to `n`, cut to `n` below: the routes keep `hosts` (a pushed-to empty array reserves 17 slots).
  let hosts = new Array<string>(domains.length);
  let n = 0;
  // Per host: seen bare (`a.x`) and/or with the listener port (`a.x:80`); Envoy needs both forms
  // to match what APISIX matches (`$host` has no port), as Istio always lists them.
  const forms = new Array<number>(domains.length);
  let anyHost = false;
  let portClaims = claims.get(claimScope);
  if (!portClaims) claims.set(claimScope, (portClaims = new Map()));
  for (let i = 0; i < domains.length; i++) {
    const raw = domains[i]!;
    const d = lowerCased(raw);
    if (d === '*') {
      const owner = portClaims.get('*');
      if (owner !== undefined && owner !== vhostKey) {
        issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: `'*' already used by virtual host ${owner}` });
        continue;
      }
      portClaims.set('*', vhostKey);
      anyHost = true;
      continue;
    }
    // Istio lists `h` then `h:<port>`: the second is the port form of a host this vhost already has.
    const lastHost = n > 0 ? hosts[n - 1]! : undefined;
    if (port !== undefined && lastHost !== undefined && !lastHost.includes(':') && isHostPort(d, lastHost, port)) {
      forms[n - 1]! |= 2;
      continue;
    }
    const host = stripPort(d);
    if (host.endsWith('*') || host.endsWith('.')) {
      issues.push({ path: `${at()}[${i}]`, severity: 'ignored', reason: 'trailing wildcard domains cannot be matched by APISIX' });
      continue;
    }
    if (!isApisixHost(host)) {
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
      if (k >= 0 && k < n) {
        forms[k]! |= form;
        continue;
      }
    }
    hosts[n] = host;
    forms[n++] = form;
  }
  // Exactly n long (Istio lists each host twice, with and without the port).
  if (n < hosts.length) hosts = hosts.slice(0, n);
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
