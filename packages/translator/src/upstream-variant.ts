import type { ApisixUpstream } from './apisix-types.js';
import { stableId } from './ids.js';
import { DEFAULT_HASH_KEY } from './lb-policy.js';

export const MAX_NAME_LENGTH = 100;
export const MAX_DESC_LENGTH = 256;

/** Fits a name into `max` chars; a shortened one ends in a hash of the whole, so it stays unique. */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const tail = `~${stableId('u', name).slice(2, 14)}`;
  return name.slice(0, max - tail.length) + tail;
}

/** What a route may change on a cluster's upstream (nodes and id stay the cluster's). */
export type UpstreamOverrides = Partial<Omit<ApisixUpstream, 'id' | 'nodes'>>;

/**
 * A per-route variant of a cluster's upstream (its own hash key, retries, scheme for L4 use, …)
 * with a stable id derived from the base id and `variantKey`. Equal inputs give equal variants,
 * so routes that need the same variant share one upstream.
 */
export function upstreamVariant(base: ApisixUpstream, overrides: UpstreamOverrides, variantKey: string): ApisixUpstream {
  const merged: ApisixUpstream = { ...base, ...overrides, id: stableId('u', base.id, variantKey), nodes: base.nodes };
  if (merged.type !== 'chash') {
    delete merged.hash_on;
    delete merged.key;
  } else if (merged.hash_on !== 'consumer' && !merged.key) {
    merged.hash_on = 'vars';
    merged.key = DEFAULT_HASH_KEY;
  }
  // Health checks over HTTP make no sense for a TCP/TLS stream upstream.
  if ((merged.scheme === 'tcp' || merged.scheme === 'tls' || merged.scheme === 'udp') && merged.checks) {
    const active = merged.checks.active as { type?: string } | undefined;
    if (active && active.type !== 'tcp') delete merged.checks;
  }
  if (base.name !== undefined && overrides.name === undefined) merged.name = fitName(`${base.name} ${variantKey}`, MAX_NAME_LENGTH);
  return canonicalUpstream(merged);
}

/** L4 form of an upstream for stream routes: scheme tls when the cluster speaks TLS, else tcp. */
export function streamScheme(upstream: ApisixUpstream): 'tls' | 'tcp' {
  return upstream.scheme === 'https' || upstream.scheme === 'grpcs' || upstream.scheme === 'tls' ? 'tls' : 'tcp';
}

const KEY_ORDER: readonly (keyof ApisixUpstream)[] = [
  'id',
  'name',
  'desc',
  'type',
  'hash_on',
  'key',
  'nodes',
  'scheme',
  'pass_host',
  'upstream_host',
  'retries',
  'retry_timeout',
  'timeout',
  'checks',
  'tls',
  'keepalive_pool',
  'labels',
];

/**
 * `{ ...base, ...overrides }` in canonical form (KEY_ORDER), built in one pass (one per upstream
 * of a mesh). Unrolled: named reads and writes instead of a keyed loop over KEY_ORDER.
 */
export function canonicalMerge(base: ApisixUpstream, overrides: UpstreamOverrides): ApisixUpstream {
  const o = overrides;
  // The mesh's common case as one literal (all properties in the object itself): a plain base
  // upstream plus the retries every route of the cluster asks for.
  if (onlyRetries(o) && plainBase(base)) {
    return { id: base.id, name: base.name, desc: base.desc, type: base.type, nodes: base.nodes, scheme: base.scheme, retries: o.retries, timeout: base.timeout };
  }
  const out = { id: base.id } as ApisixUpstream;
  let v;
  if ((v = 'name' in o ? o.name : base.name) !== undefined) out.name = v;
  if ((v = 'desc' in o ? o.desc : base.desc) !== undefined) out.desc = v;
  if ((v = 'type' in o ? o.type : base.type) !== undefined) out.type = v;
  if ((v = 'hash_on' in o ? o.hash_on : base.hash_on) !== undefined) out.hash_on = v;
  if ((v = 'key' in o ? o.key : base.key) !== undefined) out.key = v;
  out.nodes = base.nodes;
  if ((v = 'scheme' in o ? o.scheme : base.scheme) !== undefined) out.scheme = v;
  if ((v = 'pass_host' in o ? o.pass_host : base.pass_host) !== undefined) out.pass_host = v;
  if ((v = 'upstream_host' in o ? o.upstream_host : base.upstream_host) !== undefined) out.upstream_host = v;
  if ((v = 'retries' in o ? o.retries : base.retries) !== undefined) out.retries = v;
  if ((v = 'retry_timeout' in o ? o.retry_timeout : base.retry_timeout) !== undefined) out.retry_timeout = v;
  if ((v = 'timeout' in o ? o.timeout : base.timeout) !== undefined) out.timeout = v;
  if ((v = 'checks' in o ? o.checks : base.checks) !== undefined) out.checks = v;
  if ((v = 'tls' in o ? o.tls : base.tls) !== undefined) out.tls = v;
  if ((v = 'keepalive_pool' in o ? o.keepalive_pool : base.keepalive_pool) !== undefined) out.keepalive_pool = v;
  if ((v = 'labels' in o ? o.labels : base.labels) !== undefined) out.labels = v;
  return out;
}

/** Overrides that set `retries` (a number) and nothing else. */
function onlyRetries(o: UpstreamOverrides): boolean {
  let n = 0;
  for (const k in o) {
    if (k !== 'retries') return false;
    n++;
  }
  return n === 1 && typeof o.retries === 'number';
}

/** A base whose canonical keys are exactly id, name, desc, type, nodes, scheme, timeout. */
function plainBase(b: ApisixUpstream): boolean {
  return (
    b.name !== undefined && b.desc !== undefined && b.scheme !== undefined && b.timeout !== undefined &&
    b.hash_on === undefined && b.key === undefined && b.pass_host === undefined && b.upstream_host === undefined &&
    b.retries === undefined && b.retry_timeout === undefined && b.checks === undefined && b.tls === undefined &&
    b.keepalive_pool === undefined && b.labels === undefined
  );
}

/** The same upstream with keys in one fixed order and no undefined values: stable JSON bytes. */
export function canonicalUpstream(u: ApisixUpstream): ApisixUpstream {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (u[k] !== undefined) out[k] = u[k];
  return out as unknown as ApisixUpstream;
}
