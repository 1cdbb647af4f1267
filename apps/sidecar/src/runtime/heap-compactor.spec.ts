import pino from 'pino';
import { heapCompactor } from './heap-compactor.js';

const log = pino({ level: 'silent' });
const MB = 1048576;

function setup(options: { minChanges?: number; minIntervalMs?: number } = {}) {
  let clock = 0;
  let collections = 0;
  let reducing = 0;
  let releases = 0;
  let heap = 40 * MB;
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  const applied = heapCompactor({
    gc: () => collections++,
    reducingGc: () => (collections++, reducing++),
    releaseFreeMemory: () => releases++,
    minChanges: options.minChanges ?? 100,
    minIntervalMs: options.minIntervalMs ?? 1000,
    settleMs: 500,
    idleMs: 2000,
    heapSize: () => heap,
    log,
    now: () => clock,
    schedule: (run, ms) => {
      const t = { at: clock + ms, run, cancelled: false };
      timers.push(t);
      return () => void (t.cancelled = true);
    },
  });
  /** Moves the clock, running every timer that falls due on the way (and what those schedule). */
  const advance = (ms: number) => {
    const end = clock + ms;
    for (;;) {
      const due = timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      timers.splice(timers.indexOf(due), 1);
      clock = Math.max(clock, due.at);
      due.run();
    }
    clock = end;
  };
  return { applied, advance, compactions: () => collections / 2, reducing: () => reducing, releases: () => releases, setHeap: (mb: number) => (heap = mb * MB) };
}

describe('heapCompactor', () => {
  it('compacts after the first apply and after large ones, not after small ones', () => {
    const t = setup();
    t.applied({ changes: 3, first: true });
    t.advance(0);
    expect(t.compactions()).toBe(0.5); // the first collection at once ...
    t.advance(500);
    // ... the second (memory reducing) once the first has been swept, then malloc's free pages go back.
    expect(t.compactions()).toBe(1);
    expect(t.reducing()).toBe(1);
    expect(t.releases()).toBe(1);
    t.advance(5000);
    t.applied({ changes: 99, first: false });
    t.advance(5000);
    expect(t.compactions()).toBe(1);
    t.applied({ changes: 100, first: false });
    t.advance(5000);
    expect(t.compactions()).toBe(2);
  });

  it('compacts at most once per interval and once per burst of applies', () => {
    const t = setup({ minChanges: 10, minIntervalMs: 1000 });
    t.applied({ changes: 50, first: true });
    t.applied({ changes: 50, first: false }); // same burst: already running
    t.advance(500);
    expect(t.compactions()).toBe(1);
    t.advance(400);
    t.applied({ changes: 50, first: false }); // within the interval: deferred until quiet
    t.advance(1999);
    expect(t.compactions()).toBe(1);
    t.advance(1 + 500);
    expect(t.compactions()).toBe(2);
    t.advance(1000);
    t.applied({ changes: 50, first: false }); // past the interval: at once
    t.advance(500);
    expect(t.compactions()).toBe(3);
  });

  it('after churn of small applies has grown the heap, compacts once the agent is idle', () => {
    const t = setup();
    t.setHeap(100);
    t.applied({ changes: 5000, first: true });
    t.advance(500);
    expect(t.compactions()).toBe(1); // baseline: 100 MB
    t.advance(5000);
    t.setHeap(140); // +40%: not enough
    t.applied({ changes: 1, first: false });
    t.advance(5000);
    expect(t.compactions()).toBe(1);
    t.setHeap(160); // +60% and +60 MB: compact when quiet
    t.applied({ changes: 1, first: false });
    t.advance(1500);
    t.applied({ changes: 1, first: false }); // still churning: waits again
    t.advance(1999);
    expect(t.compactions()).toBe(1);
    t.setHeap(90);
    t.advance(1 + 500);
    expect(t.compactions()).toBe(2);
    t.advance(5000);
    t.setHeap(120); // measured against the new baseline (90 MB): +33%, not enough
    t.applied({ changes: 1, first: false });
    t.advance(5000);
    expect(t.compactions()).toBe(2);
  });

  it('does nothing without gc (node started without --expose-gc)', () => {
    let scheduled = 0;
    const applied = heapCompactor({ gc: undefined, releaseFreeMemory: () => scheduled++, log, schedule: () => (scheduled++, () => undefined) });
    applied({ changes: 100_000, first: true });
    expect(scheduled).toBe(0);
  });
});
