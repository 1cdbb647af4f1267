import fc from 'fast-check';
import type { StoredObject } from '@amesh/storage';
import { KindIndex } from './kind-index.js';

const obj = (id: string, v: number): StoredObject => ({ id, v }) as unknown as StoredObject;
const change = fc.tuple(fc.integer({ min: 0, max: 40 }), fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }));

describe('KindIndex', () => {
  it('reads like a map with the changes applied and never changes an earlier index', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.array(fc.array(change, { maxLength: 300 }), { maxLength: 12 }), (initial, batches) => {
        const model = new Map<string, StoredObject>();
        for (let i = 0; i < initial; i++) model.set(`k${i}`, obj(`k${i}`, 0));
        let index = KindIndex.of(new Map(model));
        const history: [KindIndex, Map<string, StoredObject>][] = [[index, new Map(model)]];
        for (const batch of batches) {
          const changes = batch.map(([k, v]) => [`k${k}`, v === undefined ? undefined : obj(`k${k}`, v)] as const);
          index = index.with(changes);
          for (const [id, value] of changes) {
            if (value === undefined) model.delete(id);
            else model.set(id, value);
          }
          history.push([index, new Map(model)]);
        }
        for (const [ix, m] of history) {
          expect(ix.size).toBe(m.size);
          expect([...ix.keys()].sort()).toEqual([...m.keys()].sort());
          for (let k = 0; k <= 40; k++) expect(ix.get(`k${k}`)).toBe(m.get(`k${k}`));
        }
      }),
      { numRuns: 60 },
    );
  });
});
