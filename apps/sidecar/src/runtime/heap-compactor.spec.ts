import pino from 'pino';
import { heapCompactor } from './heap-compactor.js';

const log = pino({ level: 'silent' });

function setup(minChanges = 100, minIntervalMs = 1000) {
  let clock = 0;
  let collections = 0;
  const queued: (() => void)[] = [];
  const applied = heapCompactor({ gc: () => collections++, minChanges, minIntervalMs, log, now: () => clock, schedule: (run) => queued.push(run) });
  const runQueued = () => queued.splice(0).forEach((run) => run());
  return { applied, runQueued, collections: () => collections, advance: (ms: number) => (clock += ms) };
}

describe('heapCompactor', () => {
  it('collects after the first apply and after large ones, not after small ones', () => {
    const t = setup();
    t.applied({ changes: 3, first: true });
    t.runQueued();
    expect(t.collections()).toBe(1);
    t.advance(5000);
    t.applied({ changes: 99, first: false });
    t.runQueued();
    expect(t.collections()).toBe(1);
    t.applied({ changes: 100, first: false });
    t.runQueued();
    expect(t.collections()).toBe(2);
  });

  it('collects at most once per interval and once per burst of applies', () => {
    const t = setup(10, 1000);
    t.applied({ changes: 50, first: true });
    t.applied({ changes: 50, first: false }); // same burst: already scheduled
    t.runQueued();
    expect(t.collections()).toBe(1);
    t.advance(999);
    t.applied({ changes: 50, first: false });
    t.runQueued();
    expect(t.collections()).toBe(1);
    t.advance(1);
    t.applied({ changes: 50, first: false });
    t.runQueued();
    expect(t.collections()).toBe(2);
  });

  it('does nothing without gc (node started without --expose-gc)', () => {
    const queued: (() => void)[] = [];
    const applied = heapCompactor({ gc: undefined, log, schedule: (run) => queued.push(run) });
    applied({ changes: 100_000, first: true });
    expect(queued).toHaveLength(0);
  });
});
