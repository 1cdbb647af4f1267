export interface BackoffOptions {
  /** First delay (ms), default 500. */
  initialMs?: number;
  /** Ceiling (ms), default 30,000. */
  maxMs?: number;
  /** Growth per failed attempt, default 2. */
  multiplier?: number;
  /** Fraction of the delay randomised either way, default 0.2. */
  jitter?: number;
}

/**
 * Exponential backoff with jitter, so a fleet of sidecars does not reconnect to a restarted istiod
 * in lockstep. `reset()` once the stream delivered a message.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;

  constructor(options: BackoffOptions = {}, private readonly random: () => number = Math.random) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.multiplier = options.multiplier ?? 2;
    this.jitter = options.jitter ?? 0.2;
  }

  /** The delay before the next attempt; each call counts one more failed attempt. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * this.multiplier ** this.attempt);
    this.attempt++;
    const spread = base * this.jitter;
    return Math.max(0, Math.round(base - spread + this.random() * 2 * spread));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
