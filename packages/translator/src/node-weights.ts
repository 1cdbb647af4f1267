/**
 * Turns relative endpoint shares into the small integer weights APISIX balancers want.
 * Exact ratios are kept when they fit; otherwise weights are scaled so the largest is `maxWeight`
 * (positive shares never drop to 0) and the result says it is approximate.
 * Small weights matter: APISIX's chash builds 160 ring points per unit of weight.
 */
export interface IntegerWeights {
  weights: number[];
  approximated: boolean;
}

export function integerWeights(shares: readonly number[], maxWeight: number): IntegerWeights {
  let max = 0;
  let allIntegers = true;
  for (const s of shares) {
    if (s > max) max = s;
    if (!Number.isSafeInteger(s)) allIntegers = false;
  }
  if (max <= 0) return { weights: shares.map(() => 0), approximated: false };
  if (allIntegers) {
    let g = 0;
    for (const s of shares) if (s > 0) g = gcd(g, s);
    if (max / g <= maxWeight) return { weights: shares.map((s) => s / g), approximated: false };
  }
  const factor = maxWeight / max;
  let approximated = false;
  const scaled = shares.map((s) => {
    if (s <= 0) return 0;
    const exact = s * factor;
    const w = Math.max(1, Math.round(exact));
    if (Math.abs(w - exact) > 1e-6 * exact) approximated = true;
    return w;
  });
  let g = 0;
  for (const w of scaled) if (w > 0) g = gcd(g, w);
  return { weights: g > 1 ? scaled.map((w) => w / g) : scaled, approximated };
}

export function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
