import type { ApisixUpstream } from './apisix-types.js';
import { upstreamIdFor } from './ids.js';
import { canonicalMerge, streamScheme, upstreamVariant } from './upstream-variant.js';

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
  readonly params: UpstreamParams;
  id: string;
}

/** The upstreams one cluster resolved to, kept by an incremental translator. */
export interface ResolvedCluster {
  readonly base: ApisixUpstream;
  /** Settings keys in first-use order (with their settings) and the winner: the inputs of `out`. */
  readonly keys: readonly string[];
  readonly params: readonly UpstreamParams[];
  readonly winner: string;
  readonly out: readonly ApisixUpstream[];
}

/**
 * The upstreams of one cluster: the base with the winning settings folded in, plus a variant per
 * other settings (`keys[j]` with `params[j]`).
 */
export function resolveCluster(base: ApisixUpstream, keys: readonly string[], params: readonly UpstreamParams[], winner: string): ApisixUpstream[] {
  const made: ApisixUpstream[] = [];
  for (let j = 0; j < keys.length; j++) {
    const k = keys[j]!;
    // The winner's settings go on the base upstream; with none to add, it is the base itself.
    if (k === winner) made.push(k === '' ? base : canonicalMerge(base, params[j]!));
    else made.push(upstreamVariant(base, params[j]!, k));
  }
  return made;
}

/** Resolutions across translations; owned by one incremental translator. */
export type VariantMemo = Map<string, ResolvedCluster>;

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

  /** Refs made by `use` are also appended here while it is set (what a cached route needs again). */
  recording: UpstreamRef[] | undefined;

  /**
   * `base`: the base upstream per cluster; only clusters in `usable` count (the others are
   * incomplete and get no upstream). `memo` keeps resolutions across translations.
   */
  constructor(
    private readonly base: ReadonlyMap<string, ApisixUpstream>,
    private readonly usable: ReadonlySet<string>,
    private readonly memo?: VariantMemo,
    /** With `memo`: last time's instance of an upstream that came out the same. */
    private readonly intern: (u: ApisixUpstream) => ApisixUpstream = (u) => u,
  ) {}

  /** Records that a route uses `cluster` with `params`; the ref's id is set by `resolve`. */
  use(cluster: string, params: UpstreamParams): UpstreamRef {
    const ref: UpstreamRef = { cluster, paramsKey: keyOf(params), params, id: '' };
    this.adopt(ref);
    this.recording?.push(ref);
    return ref;
  }

  /** Counts a ref of an earlier translation again (its route was reused); its id is set anew. */
  adopt(ref: UpstreamRef): void {
    let byKey = this.uses.get(ref.cluster);
    if (!byKey) this.uses.set(ref.cluster, (byKey = new Map()));
    let entry = byKey.get(ref.paramsKey);
    if (!entry) byKey.set(ref.paramsKey, (entry = { params: ref.params, count: 0, refs: [] }));
    entry.count++;
    ref.id = this.baseOf(ref.cluster)?.id ?? upstreamIdFor(ref.cluster);
    entry.refs.push(ref);
  }

  private baseOf(cluster: string): ApisixUpstream | undefined {
    return this.usable.has(cluster) ? this.base.get(cluster) : undefined;
  }

  /**
   * Fixes every ref's id and returns the upstreams to emit: each base upstream (with the most
   * used settings folded in) plus one variant per other settings. Deterministic: ties between
   * settings are broken by their key.
   */
  resolve(): ApisixUpstream[] {
    const out: ApisixUpstream[] = [];
    const memo = this.memo;
    const seen = memo ? new Set<string>() : undefined;
    for (const [cluster, base] of this.base) {
      if (!this.usable.has(cluster)) continue;
      const byKey = this.uses.get(cluster);
      if (!byKey) {
        out.push(base);
        continue;
      }
      let winner = '';
      let best = -1;
      for (const [k, e] of byKey) {
        if (e.count > best || (e.count === best && k < winner)) {
          best = e.count;
          winner = k;
        }
      }
      const prev = memo?.get(cluster);
      if (prev && prev.base === base && prev.winner === winner && sameKeys(prev.keys, byKey)) {
        let j = 0;
        for (const e of byKey.values()) {
          const u = prev.out[j++]!;
          if (u.id !== base.id) for (const r of e.refs) r.id = u.id;
          out.push(u);
        }
        seen!.add(cluster);
        continue;
      }
      const keys = [...byKey.keys()];
      const params = [...byKey.values()].map((e) => e.params);
      const made = resolveCluster(base, keys, params, winner);
      let j = 0;
      for (const e of byKey.values()) {
        const u = made[j++]!;
        if (u.id !== base.id) for (const r of e.refs) r.id = u.id;
      }
      if (memo) for (let j = 0; j < made.length; j++) made[j] = this.intern(made[j]!);
      for (const u of made) out.push(u);
      if (memo) {
        memo.set(cluster, { base, keys, params, winner, out: made });
        seen!.add(cluster);
      }
    }
    if (memo) for (const cluster of memo.keys()) if (!seen!.has(cluster)) memo.delete(cluster);
    for (const [cluster, v] of this.l4) if (this.usable.has(cluster) && this.base.has(cluster)) out.push(v);
    return out;
  }

  private readonly l4 = new Map<string, ApisixUpstream>();

  /** Clusters stream routes use through an L4 variant (it carries the nodes). */
  streamClusters(): IterableIterator<string> {
    return this.l4.keys();
  }

  /** The upstream id a stream route uses: the base one, or an L4 variant (scheme tcp/tls). */
  stream(cluster: string): string {
    const base = this.baseOf(cluster);
    if (!base) return upstreamIdFor(cluster);
    const scheme = streamScheme(base);
    if (base.scheme === scheme) return base.id;
    let v = this.l4.get(cluster);
    if (!v) this.l4.set(cluster, (v = upstreamVariant(base, { scheme, pass_host: undefined, upstream_host: undefined }, 'l4')));
    return v.id;
  }
}

function sameKeys(keys: readonly string[], byKey: ReadonlyMap<string, unknown>): boolean {
  if (keys.length !== byKey.size) return false;
  let j = 0;
  for (const k of byKey.keys()) if (keys[j++] !== k) return false;
  return true;
}
