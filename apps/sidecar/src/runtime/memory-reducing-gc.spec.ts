import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memoryReducingGc } from './memory-reducing-gc.js';

describe('memoryReducingGc', () => {
  it('runs the given collection once and leaves V8 in its normal mode, also when the collection throws', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let calls = 0;
    memoryReducingGc(() => {
      calls++;
      gc();
    })();
    expect(calls).toBe(1);
    expect(() =>
      memoryReducingGc(() => {
        throw new Error('boom');
      })(),
    ).toThrow('boom');
    // Code optimised after the call is unaffected: a hot function still computes right.
    const square = (n: number) => n * n;
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += square(i % 10);
    expect(sum).toBe(2_850_000);
  });
});
