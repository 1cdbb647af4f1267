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

/** `{ ...base, ...overrides }` in canonical form, built in one pass (one per upstream of a mesh). */
export function canonicalMerge(base: ApisixUpstream, overrides: UpstreamOverrides): ApisixUpstream {
  const out: Record<string, unknown> = {};
  const o = overrides as Record<string, unknown>;
  for (const k of KEY_ORDER) {
    const v = k in o ? o[k] : base[k];
    if (v !== undefined) out[k] = v;
  }
  return out as unknown as ApisixUpstream;
}

/** The same upstream with keys in one fixed order and no undefined values: stable JSON bytes. */
export function canonicalUpstream(u: ApisixUpstream): ApisixUpstream {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (u[k] !== undefined) out[k] = u[k];
  return out as unknown as ApisixUpstream;
}
