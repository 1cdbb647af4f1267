import fc from 'fast-check';
import { byId, sortById } from './sort-by-id.js';
import { stableId } from './ids.js';

/** The reference: a stable comparator sort, which the bucketed sort must equal. */
function reference<T extends { id: string }>(list: readonly T[]): T[] {
  return list.slice().sort(byId);
}

describe('sortById', () => {
  it('orders hashed ids like a comparator sort, repeats in input order', () => {
    const list = Array.from({ length: 5000 }, (_, i) => ({ id: stableId('r', `svc-${i % 4000}`), i }));
    const expected = reference(list);
    sortById(list);
    expect(list.map((x) => x.i)).toEqual(expected.map((x) => x.i));
  });

  it('equals a stable comparator sort for arbitrary ids (prefixes, repeats, non-latin chars)', () => {
    const id = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom('', 'a', 'ab', 'abc', 'r-', 'r-0', 'r-00'),
      fc.string({ maxLength: 3 }).map((s) => `r-00${s}`),
      fc.string({ unit: 'binary', maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(id, { minLength: 250, maxLength: 700 }), (ids) => {
        const list = ids.map((s, i) => ({ id: s, i }));
        const expected = reference(list).map((x) => x.i);
        sortById(list);
        expect(list.map((x) => x.i)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('equals it when most ids agree in the chars after the common prefix (long runs of equal keys)', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({ id: i === 0 ? 'y' : `x-00${stableId('r', String(i % 2500))}`, i }));
    const expected = reference(list).map((x) => x.i);
    sortById(list);
    expect(list.map((x) => x.i)).toEqual(expected);
  });

  it('equals it when every id shares a long prefix and few buckets hold many ids', () => {
    const list = Array.from({ length: 3000 }, (_, i) => ({ id: `same-prefix-${i % 7}${String(i * 7919).slice(-3)}`, i }));
    const expected = reference(list).map((x) => x.i);
    sortById(list);
    expect(list.map((x) => x.i)).toEqual(expected);
  });
});
