import type { StoredObject } from '@amesh/storage';

/**
 * The written objects of one kind by id, persistent: `with` returns a new index and leaves this
 * one as it was, without copying a large map for a few changes. A few changes go into a small
 * overlay over a shared, never-mutated base map; the overlay is folded into a new base once it
 * grows (so reads stay one or two lookups and the cost is amortised).
 */
export class KindIndex {
  private constructor(
    private readonly base: ReadonlyMap<string, StoredObject>,
    private readonly puts: ReadonlyMap<string, StoredObject>,
    private readonly deletes: ReadonlySet<string>,
    readonly size: number,
  ) {}

  static of(objects: ReadonlyMap<string, StoredObject>): KindIndex {
    return new KindIndex(objects, new Map(), new Set(), objects.size);
  }

  get(id: string): StoredObject | undefined {
    if (this.deletes.has(id)) return undefined;
    return this.puts.get(id) ?? this.base.get(id);
  }

  *keys(): IterableIterator<string> {
    for (const id of this.base.keys()) if (!this.deletes.has(id) && !this.puts.has(id)) yield id;
    yield* this.puts.keys();
  }

  /** This index with `changes` applied (`undefined` value = delete). */
  with(changes: readonly (readonly [string, StoredObject | undefined])[]): KindIndex {
    if (this.puts.size + this.deletes.size + changes.length > Math.max(256, this.base.size >> 3)) {
      const flat = new Map<string, StoredObject>();
      for (const id of this.keys()) flat.set(id, this.get(id)!);
      for (const [id, value] of changes) {
        if (value === undefined) flat.delete(id);
        else flat.set(id, value);
      }
      return KindIndex.of(flat);
    }
    const puts = new Map(this.puts);
    const deletes = new Set(this.deletes);
    let size = this.size;
    for (const [id, value] of changes) {
      const had = this.has(id, puts, deletes);
      if (value === undefined) {
        puts.delete(id);
        if (this.base.has(id)) deletes.add(id);
        if (had) size--;
      } else {
        puts.set(id, value);
        deletes.delete(id);
        if (!had) size++;
      }
    }
    return new KindIndex(this.base, puts, deletes, size);
  }

  private has(id: string, puts: ReadonlyMap<string, StoredObject>, deletes: ReadonlySet<string>): boolean {
    return !deletes.has(id) && (puts.has(id) || this.base.has(id));
  }
}
