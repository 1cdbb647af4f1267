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
  // By map, not push: the result is kept by incremental translators, and map makes it exact-size.
  return keys.map((k, j) => {
    // The winner's settings go on the base upstream; with none to add, it is the base itself.
    if (k === winner) return k === '' ? base : canonicalMerge(base, params[j]!);
    return upstreamVariant(base, params[j]!, k);
  });
}

/** Resolutions across translations; owned by one incremental translator. */
export type VariantMemo = Map<string, ResolvedCluster>;

const PARAM_ORDER: readonly (keyof UpstreamParams)[] = ['retries', 'retry_timeout', 'type', 'hash_on', 'key', 'pass_host'];

/** `retries=N;` for small N: the key of nearly every route (only retries set), made once. */
const RETRIES_ONLY = Array.from({ length: 11 }, (_, n) => `retries=${n};`);

function keyOf(params: UpstreamParams): string {
  const r = params.retries;
  if (
    r !== undefined && r >= 0 && r < RETRIES_ONLY.length && Number.isInteger(r) &&
    params.retry_timeout === undefined && params.type === undefined && params.hash_on === undefined && params.key === undefined && params.pass_host === undefined
  ) {
    return RETRIES_ONLY[r]!;
  }
  let out = '';
  for (const k of PARAM_ORDER) {
    const v = params[k];
    if (v !== undefined) out += `${k}=${String(v)};`;
  }
  return out;
}

/** One settings key of a cluster: how many routes want it, and their refs (ids set by `resolve`). */
interface UseEntry {
  readonly key: string;
  readonly params: UpstreamParams;
  count: number;
  readonly refs: UpstreamRef[];
}

/** A cluster's uses: its base id and settings in first-use order (a map only past a few keys). */
interface ClusterUses {
  readonly cluster: string;
  readonly id: string;
  /** The usable base upstream (undefined: the cluster has none, its refs keep the plain id). */
  readonly base: ApisixUpstream | undefined;
  readonly entries: UseEntry[];
  index?: Map<string, UseEntry>;
}

/** Above this many settings keys per cluster, entries are also indexed by key. */
const LINEAR_KEYS = 8;

export class UpstreamVariants {
  /**
   * Per cluster: keyed by its usable base upstream (an object key: no string hashing or
   * comparing, once per route of a mesh), or by its name when it has none.
   */
  private readonly uses = new Map<ApisixUpstream | string, ClusterUses>();

  /** Refs made by `use` are also appended here while it is set (what a cached route needs again). */
  recording: UpstreamRef[] | undefined;

  /**
   * `base`: the base upstream per cluster; clusters in `incomplete` do not count (they get no
   * upstream). `memo` keeps resolutions across translations.
   */
  constructor(
    private readonly base: ReadonlyMap<string, ApisixUpstream>,
    private readonly incomplete: ReadonlySet<string>,
    private readonly memo?: VariantMemo,
    /** With `memo`: last time's instance of an upstream that came out the same. */
    private readonly intern: (u: ApisixUpstream) => ApisixUpstream = (u) => u,
  ) {}

  /**
   * Records that a route uses `cluster` with `params`; the ref's id is set by `resolve`.
   * `base`: the cluster's usable base upstream, when the caller has it at hand.
   */
  use(cluster: string, params: UpstreamParams, base?: ApisixUpstream): UpstreamRef {
    const ref: UpstreamRef = { cluster, paramsKey: keyOf(params), params, id: '' };
    this.adopt(ref, base);
    this.recording?.push(ref);
    return ref;
  }

  /** Counts a ref of an earlier translation again (its route was reused); its id is set anew. */
  adopt(ref: UpstreamRef, knownBase?: ApisixUpstream): void {
    const base = knownBase ?? this.baseOf(ref.cluster);
    const uses = this.uses.get(base ?? ref.cluster);
    if (!uses) {
      ref.id = base?.id ?? upstreamIdFor(ref.cluster);
      if (base) this.usedBases++;
      // Arrays made with their first item: an empty array's first push reserves room for 17.
      this.uses.set(base ?? ref.cluster, { cluster: ref.cluster, id: ref.id, base, entries: [{ key: ref.paramsKey, params: ref.params, count: 1, refs: [ref] }] });
      return;
    }
    ref.id = uses.id;
    const entry = findEntry(uses, ref.paramsKey);
    if (entry) {
      entry.count++;
      entry.refs.push(ref);
      return;
    }
    const added: UseEntry = { key: ref.paramsKey, params: ref.params, count: 1, refs: [ref] };
    uses.entries.push(added);
    if (uses.index) uses.index.set(added.key, added);
    else if (uses.entries.length > LINEAR_KEYS) uses.index = new Map(uses.entries.map((e) => [e.key, e]));
  }

  /** How many clusters in `uses` have a usable base (to know whether some base went unused). */
  private usedBases = 0;

  private baseOf(cluster: string): ApisixUpstream | undefined {
    const base = this.base.get(cluster);
    return base !== undefined && !this.incomplete.has(cluster) ? base : undefined;
  }

  /**
   * Fixes every ref's id and returns the upstreams to emit: each base upstream (with the most
   * used settings folded in) plus one variant per other settings. Deterministic: ties between
   * settings are broken by their key. Used clusters come in first-use order, unused ones after
   * (callers sort by id; walking the uses saves a lookup per cluster).
   */
  resolve(): ApisixUpstream[] {
    const out: ApisixUpstream[] = [];
    const seen = this.memo ? new Set<string>() : undefined;
    for (const uses of this.uses.values()) if (uses.base) this.resolveUsed(uses.cluster, uses.base, uses.entries, out, seen);
    // Bases no route used: as they are (none, in a mesh whose every cluster has a route).
    if (this.usedBases < this.base.size - this.incomplete.size) {
      for (const [cluster, base] of this.base) if (!this.incomplete.has(cluster) && !this.uses.has(base)) out.push(base);
    }
    const memo = this.memo;
    if (memo) for (const cluster of memo.keys()) if (!seen!.has(cluster)) memo.delete(cluster);
    for (const [cluster, v] of this.l4) if (this.base.has(cluster) && !this.incomplete.has(cluster)) out.push(v);
    return out;
  }

  /** One used cluster: its upstreams into `out`, the ids into its refs. */
  private resolveUsed(cluster: string, base: ApisixUpstream, entries: readonly UseEntry[], out: ApisixUpstream[], seen: Set<string> | undefined): void {
    const memo = this.memo;
    let winner = '';
    let best = -1;
    for (const e of entries) {
      if (e.count > best || (e.count === best && e.key < winner)) {
        best = e.count;
        winner = e.key;
      }
    }
    const prev = memo?.get(cluster);
    if (prev && prev.base === base && prev.winner === winner && sameKeys(prev.keys, entries)) {
      for (let j = 0; j < entries.length; j++) {
        const u = prev.out[j]!;
        if (u.id !== base.id) for (const r of entries[j]!.refs) r.id = u.id;
        out.push(u);
      }
      seen!.add(cluster);
      return;
    }
    const keys = entries.map((e) => e.key);
    const params = entries.map((e) => e.params);
    const made = resolveCluster(base, keys, params, winner);
    for (let j = 0; j < entries.length; j++) {
      const u = made[j]!;
      if (u.id !== base.id) for (const r of entries[j]!.refs) r.id = u.id;
    }
    if (memo) for (let j = 0; j < made.length; j++) made[j] = this.intern(made[j]!);
    for (const u of made) out.push(u);
    if (memo) {
      memo.set(cluster, { base, keys, params, winner, out: made });
      seen!.add(cluster);
    }
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

function sameKeys(keys: readonly string[], entries: readonly UseEntry[]): boolean {
  if (keys.length !== entries.length) return false;
  for (let j = 0; j < keys.length; j++) if (keys[j] !== entries[j]!.key) return false;
  return true;
}

function findEntry(uses: ClusterUses, key: string): UseEntry | undefined {
  if (uses.index) return uses.index.get(key);
  for (const e of uses.entries) if (e.key === key) return e;
  return undefined;
}
