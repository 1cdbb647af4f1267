import type { ApisixConfig } from '@amesh/translator';
import { RESOURCE_KINDS, type Change, type ResourceKind, type StoredObject, type StoredState } from '@amesh/storage';
import { jsonEqual } from './json-equal.js';

/** Fields a backend may add on its own (etcd's timestamps); they never make an object "changed". */
const BOOKKEEPING_FIELDS: ReadonlySet<string> = new Set(['create_time', 'update_time']);

/** What was last written, per kind and id: the baseline the next diff compares against. */
export class WrittenIndex {
  private constructor(private readonly byKind: Map<ResourceKind, Map<string, StoredObject>>) {}

  static empty(): WrittenIndex {
    return new WrittenIndex(new Map(RESOURCE_KINDS.map((k) => [k, new Map()])));
  }

  /** The baseline from what a backend holds (after a restart the storage is the truth). */
  static fromStored(state: StoredState): WrittenIndex {
    const index = WrittenIndex.empty();
    for (const [kind, objects] of state) {
      const target = index.byKind.get(kind);
      if (target) for (const [id, value] of objects) target.set(id, value);
    }
    return index;
  }

  get size(): number {
    let n = 0;
    for (const m of this.byKind.values()) n += m.size;
    return n;
  }

  count(kind: ResourceKind): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  get(kind: ResourceKind, id: string): StoredObject | undefined {
    return this.byKind.get(kind)?.get(id);
  }

  /** The objects as an ApisixConfig-shaped record of lists, sorted by id. */
  toLists(): Record<ResourceKind, StoredObject[]> {
    const out = {} as Record<ResourceKind, StoredObject[]>;
    for (const kind of RESOURCE_KINDS) {
      const m = this.byKind.get(kind) ?? new Map<string, StoredObject>();
      out[kind] = [...m.keys()].sort().map((id) => m.get(id) as StoredObject);
    }
    return out;
  }

  /**
   * A new index with the changes applied; this one is left as it was (it stays the last good state
   * until the write succeeded). Only the maps of the kinds that changed are copied.
   */
  withChanges(changes: readonly Change[]): WrittenIndex {
    const next = new Map<ResourceKind, Map<string, StoredObject>>();
    const touched = new Set(changes.map((c) => c.kind));
    for (const [kind, m] of this.byKind) next.set(kind, touched.has(kind) ? new Map(m) : m);
    for (const c of changes) {
      const m = next.get(c.kind) as Map<string, StoredObject>;
      if (c.op === 'delete') m.delete(c.id);
      else m.set(c.id, c.value);
    }
    return new WrittenIndex(next);
  }

  ids(kind: ResourceKind): IterableIterator<string> {
    return (this.byKind.get(kind) ?? new Map<string, StoredObject>()).keys();
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
 * or changed object (compared as JSON), a delete for every object no longer desired. Pure; one
 * endpoint change gives exactly one upstream put.
 */
export function diffConfig(last: WrittenIndex, desired: ApisixConfig): ConfigDiff {
  const puts: Change[] = [];
  const deletes: Change[] = [];
  for (const kind of RESOURCE_KINDS) {
    const wanted = desired[kind] as unknown as readonly StoredObject[];
    // How many desired ids are already written: when that is all of them, nothing is to delete and
    // the (10k-entry) set of desired ids need not be built.
    let existing = 0;
    for (const value of wanted) {
      const written = last.get(kind, value.id);
      if (written !== undefined) {
        existing++;
        if (jsonEqual(value, written, BOOKKEEPING_FIELDS)) continue;
      }
      puts.push({ op: 'put', kind, id: value.id, value });
    }
    if (existing !== last.count(kind)) {
      const seen = new Set(wanted.map((v) => v.id));
      for (const id of last.ids(kind)) if (!seen.has(id)) deletes.push({ op: 'delete', kind, id });
    }
  }
  const changes = [...puts, ...deletes];
  return { changes, next: last.withChanges(changes) };
}
