import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface HeapCompactorOptions {
  /** V8's full collection (`globalThis.gc`, present when node runs with --expose-gc, as the launcher does); absent: never compacts. */
  gc: (() => void) | undefined;
  /** Returns free malloc memory to the OS (see loadMallocTrim); optional. */
  releaseFreeMemory?: () => void;
  /** An apply that wrote at least this many objects is large (the first apply always is). */
  minChanges?: number;
  /** At most one compaction per this interval, whatever the churn. */
  minIntervalMs?: number;
  /** Between the two collections: long enough for V8 to finish sweeping after the first. */
  settleMs?: number;
  log: Logger;
  now?: () => number;
  /** Runs `run` after `ms` (default: an unref'd timer, so it never holds the process up). */
  schedule?: (run: () => void, ms: number) => void;
}

/**
 * Returns what to call after each apply. A large apply (the initial sync, a resync after a
 * reconnect) leaves tens of MB of garbage (decoded responses, superseded translations) that V8
 * and malloc would otherwise keep committed: the agent's RSS would be what the sync passed
 * through, not what it holds. So, once the apply is done: a full collection; another once V8 has
 * swept after the first (that one compacts the pages the first left sparse); then free malloc
 * memory goes back to the OS. Each collection blocks the event loop once (~40-80 ms at 10,000
 * services), outside any push.
 */
export function heapCompactor(options: HeapCompactorOptions): (applied: { changes: number; first: boolean }) => void {
  const { gc, log } = options;
  const minChanges = options.minChanges ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 30_000;
  const settleMs = options.settleMs ?? 500;
  const now = options.now ?? (() => performance.now());
  const schedule = options.schedule ?? ((run, ms) => void setTimeout(run, ms).unref());
  let last = -Infinity;
  let pending = false;
  return ({ changes, first }) => {
    if (!gc || pending || (!first && changes < minChanges) || now() - last < minIntervalMs) return;
    pending = true;
    const rssBefore = process.memoryUsage.rss();
    schedule(() => {
      gc();
      schedule(() => {
        gc();
        options.releaseFreeMemory?.();
        pending = false;
        last = now();
        log.debug({ rssMbBefore: mb(rssBefore), rssMbAfter: mb(process.memoryUsage.rss()) }, 'heap compacted after a large apply');
      }, settleMs);
    }, 0);
  };
}

function mb(bytes: number): number {
  return Math.round(bytes / 1048576);
}
