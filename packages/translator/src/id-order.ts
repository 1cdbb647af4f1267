import { jsonEqual } from './json-equal.js';

/**
 * The last sorted output of one kind, by id, kept by an incremental translator. It puts a list
 * with exactly last time's ids in order in one pass (each item where its id was) instead of
 * sorting again, and hands back last time's instance of an object that did not change.
 */
export class IdOrder<T extends { id: string }> {
  private index = new Map<string, number>();
  private sorted: readonly T[] = [];

  /** Last time's object with this id, when the new one would serialise the same. */
  intern(item: T): T {
    const k = this.index.get(item.id);
    const prev = k === undefined ? undefined : this.sorted[k];
    return prev !== undefined && prev !== item && jsonEqual(prev, item) ? prev : item;
  }

  /** The list in last time's order, or undefined when its ids are not exactly last time's. */
  place(list: readonly T[]): T[] | undefined {
    if (list.length !== this.index.size || list.length === 0) return undefined;
    const out = new Array<T | undefined>(list.length).fill(undefined);
    for (const item of list) {
      const k = this.index.get(item.id);
      // An unknown id, or one seen twice (a duplicate to report): sort as usual.
      if (k === undefined || out[k] !== undefined) return undefined;
      out[k] = item;
    }
    this.sorted = out as T[];
    return out as T[];
  }

  /** Where the object with this id was in the last list. */
  indexOf(id: string): number | undefined {
    return this.index.get(id);
  }

  /** Notes a list that holds last time's ids in last time's order (objects replaced in place). */
  replaced(sorted: readonly T[]): void {
    this.sorted = sorted;
  }

  /** Notes a sorted list (ids unique) for the next `place` and `intern`. */
  remember(sorted: readonly T[]): void {
    this.index = new Map();
    for (let i = 0; i < sorted.length; i++) this.index.set(sorted[i]!.id, i);
    this.sorted = sorted;
  }
}
