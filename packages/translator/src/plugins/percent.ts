import type { FractionalPercent } from '@amesh/proto';
import { FractionalPercent_DenominatorType } from '@amesh/proto';

const DENOMINATOR: Record<FractionalPercent_DenominatorType, number> = {
  [FractionalPercent_DenominatorType.HUNDRED]: 100,
  [FractionalPercent_DenominatorType.TEN_THOUSAND]: 10_000,
  [FractionalPercent_DenominatorType.MILLION]: 1_000_000,
};

/** A FractionalPercent as a 0..1 ratio (numerator capped at the denominator, as Envoy does). */
export function ratio(p: FractionalPercent | undefined): number {
  if (!p) return 1;
  const d = DENOMINATOR[p.denominator] ?? 100;
  return Math.min(p.numerator, d) / d;
}

/**
 * A FractionalPercent as APISIX's integer percentage (0..100). `exact` is false when rounding
 * changed it (e.g. 1/10000 = 0.01% becomes 0%).
 */
export function integerPercent(p: FractionalPercent | undefined): { value: number; exact: boolean } {
  const r = ratio(p) * 100;
  const value = Math.round(r);
  return { value, exact: Math.abs(value - r) < 1e-9 };
}
