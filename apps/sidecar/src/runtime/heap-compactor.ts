import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';

export interface HeapCompactorOptions {
  /** V8's full collection (`globalThis.gc`, present when node runs with --expose-gc, as the launcher does); absent: never compacts. */
  gc: (() => void) | undefined;
  /** The second collection, in V8's memory-reducing mode (see memoryReducingGc); default `gc`. */
  reducingGc?: () => void;
  /** Returns free malloc memory to the OS (see releaseFreeMallocMemory); optional. */
  releaseFreeMemory?: () => void;
  /** An apply that wrote at least this many objects is large (the first apply always is). */
  minChanges?: number;
  /** At most one compaction per this interval, whatever the churn. */
  minIntervalMs?: number;
  /** Between the two collections: long enough for V8 to finish sweeping after the first. */
  settleMs?: number;
  /**
   * Small applies that ran the full translation (a cluster or route change) leave garbage too; once
   * V8's committed heap has grown by this factor and `minGrowthBytes` since the last compaction,
   * one follows when no apply came for `idleMs`.
   */
  growthFactor?: number;
  minGrowthBytes?: number;
  idleMs?: number;
  /** V8's committed heap, bytes (default: v8.getHeapStatistics().total_heap_size). */
  heapSize?: () => number;
  log: Logger;
  now?: () => number;
  /** Runs `run` after `ms`; returns a cancel function (default: an unref'd timer, never holding the process up). */
  schedule?: (run: () => void, ms: number) => () => void;
}

/**
 * Returns what to call after each apply. A large apply (the initial sync, a resync after a
 * reconnect) leaves tens of MB of garbage (decoded responses, superseded translations) that V8
 * and malloc would otherwise keep committed: the agent's RSS would be what the sync passed
 * through, not what it holds. So, once the apply is done: a full collection; another, memory
 * reducing, once V8 has swept after the first (it compacts the pages the first left sparse);
 * then free malloc memory goes back to the OS. The same runs when churn of small applies has
 * grown the heap and the agent is quiet. Each collection blocks the event loop once (~40-80 ms at
 * 10,000 services), outside any push.
 */
export function heapCompactor(options: HeapCompactorOptions): (applied: { changes: number; first: boolean }) => void {
  const { gc, log } = options;
  const minChanges = options.minChanges ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 10_000;
  const settleMs = options.settleMs ?? 500;
  const growthFactor = options.growthFactor ?? 1.5;
  const minGrowthBytes = options.minGrowthBytes ?? 32 * 1048576;
  const idleMs = options.idleMs ?? 2000;
  const heapSize = options.heapSize ?? (() => getHeapStatistics().total_heap_size);
  const now = options.now ?? (() => performance.now());
  const schedule =
    options.schedule ??
    ((run, ms) => {
      const timer = setTimeout(run, ms).unref();
      return () => clearTimeout(timer);
    });
  let last = -Infinity;
  let running = false;
  let baseline = heapSize();
  let cancelIdle: (() => void) | undefined;

  const compact = (reason: string): void => {
    cancelIdle?.();
    cancelIdle = undefined;
    running = true;
    const rssBefore = process.memoryUsage.rss();
    schedule(() => {
      gc!();
      schedule(() => {
        (options.reducingGc ?? gc!)();
        options.releaseFreeMemory?.();
        running = false;
        last = now();
        baseline = heapSize();
        log.debug({ reason, rssMbBefore: mb(rssBefore), rssMbAfter: mb(process.memoryUsage.rss()) }, 'heap compacted');
      }, settleMs);
    }, 0);
  };

  return ({ changes, first }) => {
    if (!gc || running) return;
    const wait = last + minIntervalMs - now();
    if ((first || changes >= minChanges) && wait <= 0) {
      compact(first ? 'initial sync' : `large apply (${changes} changes)`);
      return;
    }
    const size = heapSize();
    if (first || changes >= minChanges || (size > baseline * growthFactor && size - baseline > minGrowthBytes)) {
      // Once the agent is quiet (every apply of a churn pushes it back) and the interval has passed.
      cancelIdle?.();
      cancelIdle = schedule(() => compact(`heap at ${mb(size)} MB, ${mb(baseline)} MB after the last compaction`), Math.max(idleMs, wait));
    }
  };
}

function mb(bytes: number): number {
  return Math.round(bytes / 1048576);
}
