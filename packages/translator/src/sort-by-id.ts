/**
 * Sorts objects by `id` (UTF-16 code unit order, as `<` compares), stably, in place. Ids of a
 * large mesh are hashes behind a common prefix (`r-…`, `u-…`): the four chars after that prefix
 * already tell almost every pair apart. They are packed into a 32-bit key per object and radix
 * sorted (four stable counting passes over typed arrays, no comparator calls); only objects
 * with equal keys are then compared as strings. Small lists use a comparator sort.
 */
export function sortById<T extends { id: string }>(list: T[]): void {
  const n = list.length;
  if (n < SMALL) {
    list.sort(byId);
    return;
  }
  const first = list[0]!.id;
  let common = first.length;
  for (let i = 1; i < n && common > 0; i++) {
    const id = list[i]!.id;
    const max = Math.min(common, id.length);
    let k = 0;
    while (k < max && id.charCodeAt(k) === first.charCodeAt(k)) k++;
    common = k;
  }
  let keys = new Uint32Array(n);
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const id = list[i]!.id;
    let key = 0;
    for (let k = common; k < common + 4; k++) {
      // code + 1, and 0 past the end: an id sorts before the longer ids it is a prefix of.
      const c = k < id.length ? id.charCodeAt(k) + 1 : 0;
      if (c > 255) {
        list.sort(byId);
        return;
      }
      key = key * 256 + c;
    }
    keys[i] = key;
    order[i] = i;
  }
  // Least significant byte first; each pass is stable, so equal keys keep the input order.
  let keys2 = new Uint32Array(n);
  let order2 = new Uint32Array(n);
  const counts = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 255]!++;
    let sum = 0;
    for (let b = 0; b < 256; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const to = counts[(keys[i]! >>> shift) & 255]!++;
      keys2[to] = keys[i]!;
      order2[to] = order[i]!;
    }
    [keys, keys2] = [keys2, keys];
    [order, order2] = [order2, order];
  }
  const copy = list.slice();
  for (let i = 0; i < n; i++) list[i] = copy[order[i]!]!;
  // Runs of equal keys (ids alike in those four chars) are in input order: sort each by id.
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && keys[i] === keys[start]) continue;
    if (i - start > 1) sortRun(list, start, i);
    start = i;
  }
}

/** Stable sort of list[start, end) by id: insertion for the usual few, else a comparator sort. */
function sortRun<T extends { id: string }>(list: T[], start: number, end: number): void {
  if (end - start > 16) {
    const run = list.slice(start, end).sort(byId);
    for (let k = 0; k < run.length; k++) list[start + k] = run[k]!;
    return;
  }
  for (let i = start + 1; i < end; i++) {
    const x = list[i]!;
    let j = i - 1;
    while (j >= start && list[j]!.id > x.id) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = x;
  }
}

/** Below this many objects the comparator sort is as fast. */
const SMALL = 256;

export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
