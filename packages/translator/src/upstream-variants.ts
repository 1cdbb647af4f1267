import type { ApisixUpstream } from './apisix-types.js';
import { upstreamIdFor } from './ids.js';
import { canonicalUpstream, streamScheme, upstreamVariant } from './upstream-variant.js';

/**
 * Per-route upstream settings that APISIX keeps on the upstream, not on the route: retries, the
 * consistent-hash key, pass_host. Routes of one cluster that want different settings get variant
 * upstreams; the most used settings go on the base upstream so that the common case (every route
 * of a cluster alike, e.g. Istio's default retry policy) adds no object at all.
 */
export interface UpstreamParams {
  retries?: number;
  retry_timeout?: number;
  type?: ApisixUpstream['type'];
  hash_on?: ApisixUpstream['hash_on'];
  key?: string;
  pass_host?: ApisixUpstream['pass_host'];
}

/** A reference whose `id` is known once every route has been seen (see `resolve`). */
export interface UpstreamRef {
  readonly cluster: string;
  readonly paramsKey: string;
  id: string;
}

const PARAM_ORDER: readonly (keyof UpstreamParams)[] = ['retries', 'retry_timeout', 'type', 'hash_on', 'key', 'pass_host'];

function keyOf(params: UpstreamParams): string {
  let out = '';
  for (const k of PARAM_ORDER) {
    const v = params[k];
    if (v !== undefined) out += `${k}=${String(v)};`;
  }
  return out;
}

export class UpstreamVariants {
  private readonly uses = new Map<string, Map<string, { params: UpstreamParams; count: number; refs: UpstreamRef[] }>>();

  constructor(private readonly base: ReadonlyMap<string, ApisixUpstream>) {}

  /** Records that a route uses `cluster` with `params`; the ref's id is set by `resolve`. */
  use(cluster: string, params: UpstreamParams): UpstreamRef {
    const paramsKey = keyOf(params);
    let byKey = this.uses.get(cluster);
    if (!byKey) this.uses.set(cluster, (byKey = new Map()));
    let entry = byKey.get(paramsKey);
    if (!entry) byKey.set(paramsKey, (entry = { params, count: 0, refs: [] }));
    entry.count++;
    const ref: UpstreamRef = { cluster, paramsKey, id: this.base.get(cluster)?.id ?? upstreamIdFor(cluster) };
    entry.refs.push(ref);
    return ref;
  }

  /**
   * Fixes every ref's id and returns the upstreams to emit: each base upstream (with the most
   * used settings folded in) plus one variant per other settings. Deterministic: ties between
   * settings are broken by their key.
   */
  resolve(): ApisixUpstream[] {
    const out: ApisixUpstream[] = [];
    for (const [cluster, base] of this.base) {
      const byKey = this.uses.get(cluster);
      if (!byKey) {
        out.push(base);
        continue;
      }
      let winner: string | undefined;
      let best = -1;
      for (const [k, e] of byKey) {
        if (e.count > best || (e.count === best && winner !== undefined && k < winner)) {
          best = e.count;
          winner = k;
        }
      }
      for (const [k, e] of byKey) {
        if (k === winner) {
          out.push(canonicalUpstream({ ...base, ...e.params }));
          continue;
        }
        const variant = upstreamVariant(base, e.params, k);
        for (const r of e.refs) r.id = variant.id;
        out.push(variant);
      }
    }
    for (const [cluster, v] of this.l4) if (this.base.has(cluster)) out.push(v);
    return out;
  }

  private readonly l4 = new Map<string, ApisixUpstream>();

  /** The upstream id a stream route uses: the base one, or an L4 variant (scheme tcp/tls). */
  stream(cluster: string): string {
    const base = this.base.get(cluster);
    if (!base) return upstreamIdFor(cluster);
    const scheme = streamScheme(base);
    if (base.scheme === scheme) return base.id;
    let v = this.l4.get(cluster);
    if (!v) this.l4.set(cluster, (v = upstreamVariant(base, { scheme, pass_host: undefined, upstream_host: undefined }, 'l4')));
    return v.id;
  }
}
