import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('grows exponentially to the ceiling and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 800, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('spreads each delay by the jitter fraction either way', () => {
    expect(new Backoff({ initialMs: 1000, jitter: 0.2 }, () => 0).next()).toBe(800);
    expect(new Backoff({ initialMs: 1000, jitter: 0.2 }, () => 0.999999).next()).toBe(1200);
    const delays = Array.from({ length: 50 }, () => new Backoff({ initialMs: 1000 }).next());
    expect(new Set(delays).size).toBeGreaterThan(1);
    expect(delays.every((d) => d >= 800 && d <= 1200)).toBe(true);
  });
});
