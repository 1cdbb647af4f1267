import type { ApisixConfig } from '@amesh/translator';
import { RESOURCE_KINDS, type Change, type ResourceKind, type StoredObject, type StoredState } from '@amesh/storage';
import { jsonEqual } from './json-equal.js';
import { KindIndex } from './kind-index.js';

/** Fields a backend may add on its own (etcd's timestamps); they never make an object "changed". */
const BOOKKEEPING_FIELDS: ReadonlySet<string> = new Set(['create_time', 'update_time']);

const EMPTY = KindIndex.of(new Map());

/** What was last written, per kind and id: the baseline the next diff compares against. */
export class WrittenIndex {
  private constructor(
    private readonly byKind: ReadonlyMap<ResourceKind, KindIndex>,
    /**
     * The desired configuration this index holds exactly, object for object, when it is known
     * (made by diffConfig): the next diff then compares lists by position and reference.
     */
    readonly source?: ApisixConfig,
  ) {}

  static empty(): WrittenIndex {
    return new WrittenIndex(new Map(RESOURCE_KINDS.map((k) => [k, EMPTY])));
  }

  /** The baseline from what a backend holds (after a restart the storage is the truth). */
  static fromStored(state: StoredState): WrittenIndex {
    return new WrittenIndex(new Map(RESOURCE_KINDS.map((k) => [k, KindIndex.of(new Map(state.get(k) ?? []))])));
  }

  get size(): number {
    let n = 0;
    for (const m of this.byKind.values()) n += m.size;
    return n;
  }

  count(kind: ResourceKind): number {
    return this.kind(kind).size;
  }

  /** The written objects of one kind by id. */
  kind(kind: ResourceKind): KindIndex {
    return this.byKind.get(kind) ?? EMPTY;
  }

  get(kind: ResourceKind, id: string): StoredObject | undefined {
    return this.kind(kind).get(id);
  }

  /** The objects as an ApisixConfig-shaped record of lists, sorted by id. */
  toLists(): Record<ResourceKind, StoredObject[]> {
    const out = {} as Record<ResourceKind, StoredObject[]>;
    for (const kind of RESOURCE_KINDS) {
      const m = this.kind(kind);
      out[kind] = [...m.keys()].sort().map((id) => m.get(id) as StoredObject);
    }
    return out;
  }

  /**
   * A new index with the changes applied; this one is left as it was (it stays the last good state
   * until the write succeeded). A few changes cost a few entries, not a copy of every object.
   */
  withChanges(changes: readonly Change[], source?: ApisixConfig): WrittenIndex {
    const perKind = new Map<ResourceKind, [string, StoredObject | undefined][]>();
    for (const c of changes) {
      let list = perKind.get(c.kind);
      if (!list) perKind.set(c.kind, (list = []));
      list.push([c.id, c.op === 'delete' ? undefined : c.value]);
    }
    const next = new Map<ResourceKind, KindIndex>();
    for (const [kind, index] of this.byKind) {
      const list = perKind.get(kind);
      next.set(kind, list ? index.with(list) : index);
    }
    return new WrittenIndex(next, source);
  }

  ids(kind: ResourceKind): IterableIterator<string> {
    return this.kind(kind).keys();
  }
}

export interface ConfigDiff {
  /** Puts of new or changed objects, then deletes of vanished ones; storage orders them safely. */
  changes: Change[];
  /** The baseline once these changes are written. */
  next: WrittenIndex;
}

/**
 * The changes that turn what was last written into the desired configuration: a put for every new
 * or changed object (compared by reference, then as JSON), a delete for every object no longer desired. Pure; one
 * endpoint change gives exactly one upstream put.
 */
export function diffConfig(last: WrittenIndex, desired: ApisixConfig): ConfigDiff {
  const puts: Change[] = [];
  const deletes: Change[] = [];
  for (const kind of RESOURCE_KINDS) {
    const wanted = desired[kind] as unknown as readonly StoredObject[];
    const before = last.source?.[kind] as unknown as readonly StoredObject[] | undefined;
    if (before && samePlaces(before, wanted, kind, puts)) continue;
    // How many desired ids are already written: when that is all of them, nothing is to delete and
    // the (10k-entry) set of desired ids need not be built.
    let existing = 0;
    const index = last.kind(kind);
    for (const value of wanted) {
      const written = index.get(value.id);
      if (written !== undefined) {
        existing++;
        // Reference first: the incremental translator hands back the written instance when unchanged.
        if (written === value || jsonEqual(value, written, BOOKKEEPING_FIELDS)) continue;
      }
      puts.push({ op: 'put', kind, id: value.id, value });
    }
    if (existing !== last.count(kind)) {
      const seen = new Set(wanted.map((v) => v.id));
      for (const id of last.ids(kind)) if (!seen.has(id)) deletes.push({ op: 'delete', kind, id });
    }
  }
  const changes = [...puts, ...deletes];
  return { changes, next: last.withChanges(changes, desired) };
}

/**
 * The usual incremental case, in one pass without lookups: the desired list has the written
 * objects' ids in the same places (the translator keeps its order), most of them the very same
 * instances. Adds the puts and returns true, or returns false (adding nothing) when the ids differ.
 */
function samePlaces(before: readonly StoredObject[], wanted: readonly StoredObject[], kind: ResourceKind, puts: Change[]): boolean {
  if (before === wanted) return true;
  if (before.length !== wanted.length) return false;
  const found: Change[] = [];
  for (let i = 0; i < wanted.length; i++) {
    const value = wanted[i]!;
    const written = before[i]!;
    if (value === written) continue;
    if (value.id !== written.id) return false;
    if (!jsonEqual(value, written, BOOKKEEPING_FIELDS)) found.push({ op: 'put', kind, id: value.id, value });
  }
  for (const c of found) puts.push(c);
  return true;
}
