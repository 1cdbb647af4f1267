import type { Duration } from '@bufbuild/protobuf/wkt';

/** A protobuf Duration in seconds (fractional), or undefined when unset or negative. */
export function durationSeconds(d: Duration | undefined): number | undefined {
  if (!d) return undefined;
  const s = Number(d.seconds) + d.nanos / 1e9;
  return Number.isFinite(s) && s >= 0 ? s : undefined;
}

/** Whole seconds, rounded up and at least 1: what APISIX integer intervals accept. */
export function ceilSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}
