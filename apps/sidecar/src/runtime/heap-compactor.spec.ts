import pino from 'pino';
import { heapCompactor } from './heap-compactor.js';

const log = pino({ level: 'silent' });

function setup(minChanges = 100, minIntervalMs = 1000) {
  let clock = 0;
  let collections = 0;
  let releases = 0;
  const queued: (() => void)[] = [];
  const applied = heapCompactor({
    gc: () => collections++,
    releaseFreeMemory: () => releases++,
    minChanges,
    minIntervalMs,
    log,
    now: () => clock,
    schedule: (run) => queued.push(run),
  });
  // Runs what is due, and what that schedules in turn.
  const runQueued = () => {
    while (queued.length) queued.shift()!();
  };
  return { applied, runQueued, compactions: () => collections / 2, releases: () => releases, advance: (ms: number) => (clock += ms) };
}

describe('heapCompactor', () => {
  it('compacts after the first apply and after large ones, not after small ones', () => {
    const t = setup();
    t.applied({ changes: 3, first: true });
    t.runQueued();
    // Two collections (the second once the first has been swept), then malloc's free pages go back.
    expect(t.compactions()).toBe(1);
    expect(t.releases()).toBe(1);
    t.advance(5000);
    t.applied({ changes: 99, first: false });
    t.runQueued();
    expect(t.compactions()).toBe(1);
    t.applied({ changes: 100, first: false });
    t.runQueued();
    expect(t.compactions()).toBe(2);
  });

  it('compacts at most once per interval and once per burst of applies', () => {
    const t = setup(10, 1000);
    t.applied({ changes: 50, first: true });
    t.applied({ changes: 50, first: false }); // same burst: already scheduled
    t.runQueued();
    expect(t.compactions()).toBe(1);
    t.advance(999);
    t.applied({ changes: 50, first: false });
    t.runQueued();
    expect(t.compactions()).toBe(1);
    t.advance(1);
    t.applied({ changes: 50, first: false });
    t.runQueued();
    expect(t.compactions()).toBe(2);
  });

  it('does nothing without gc (node started without --expose-gc)', () => {
    const queued: (() => void)[] = [];
    const applied = heapCompactor({ gc: undefined, releaseFreeMemory: () => queued.push(() => undefined), log, schedule: (run) => queued.push(run) });
    applied({ changes: 100_000, first: true });
    expect(queued).toHaveLength(0);
  });
});
