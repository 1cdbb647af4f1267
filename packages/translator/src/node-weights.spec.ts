import fc from 'fast-check';
import { integerWeights } from './node-weights.js';

describe('integerWeights', () => {
  it('keeps exact ratios (reduced) when they fit', () => {
    expect(integerWeights([20, 40, 20, 20], 1000)).toEqual({ weights: [1, 2, 1, 1], approximated: false });
    expect(integerWeights([0.5, 0.25], 1000)).toEqual({ weights: [2, 1], approximated: false });
    expect(integerWeights([0, 0], 1000)).toEqual({ weights: [0, 0], approximated: false });
  });

  it('scales what does not fit, never turning a positive share into 0', () => {
    const r = integerWeights([4294967295, 1], 100);
    expect(r).toEqual({ weights: [100, 1], approximated: true });
  });

  it('property: weights are integers in [0, max], zero iff the share is zero, order preserved', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1e12, noNaN: true }), fc.integer({ min: 1, max: 4294967295 })), { maxLength: 20 }), fc.integer({ min: 1, max: 1000 }), (shares, max) => {
        const { weights } = integerWeights(shares, max);
        shares.forEach((s, i) => {
          const w = weights[i]!;
          expect(Number.isInteger(w)).toBe(true);
          expect(w >= 0 && w <= Math.max(max, 1)).toBe(true);
          expect(w === 0).toBe(s === 0);
        });
        for (let i = 0; i < shares.length; i++) for (let j = 0; j < shares.length; j++) if (shares[i]! > shares[j]!) expect(weights[i]!).toBeGreaterThanOrEqual(weights[j]!);
      }),
    );
  });
});
