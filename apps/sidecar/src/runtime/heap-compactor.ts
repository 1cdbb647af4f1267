import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';

export interface HeapCompactorOptions {
  /** V8's full collection (`globalThis.gc`, present when node runs with --expose-gc, as the launcher does); absent: never compacts. */
  gc: (() => void) | undefined;
  /** An apply that wrote at least this many objects is large (the first apply always is). */
  minChanges?: number;
  /** At most one compaction per this interval, whatever the churn. */
  minIntervalMs?: number;
  log: Logger;
  now?: () => number;
  /** Where the collection runs; by default after the current I/O callbacks (setImmediate). */
  schedule?: (run: () => void) => void;
}

/**
 * Returns what to call after each apply. A large apply (the initial sync, a resync after a
 * reconnect) leaves tens of MB of garbage (decoded responses, superseded translations) that V8
 * would otherwise keep committed until its own heuristics get round to it; one full collection
 * right after returns it to the OS, so the agent's steady RSS is what it holds, not what the sync
 * passed through. It blocks the event loop once (~80 ms at 10,000 services), outside any push.
 */
export function heapCompactor(options: HeapCompactorOptions): (applied: { changes: number; first: boolean }) => void {
  const { gc, log } = options;
  const minChanges = options.minChanges ?? 1000;
  const minIntervalMs = options.minIntervalMs ?? 30_000;
  const now = options.now ?? (() => performance.now());
  const schedule = options.schedule ?? ((run) => void setImmediate(run));
  let last = -Infinity;
  let pending = false;
  return ({ changes, first }) => {
    if (!gc || pending || (!first && changes < minChanges) || now() - last < minIntervalMs) return;
    pending = true;
    schedule(() => {
      pending = false;
      const started = now();
      const before = process.memoryUsage().heapUsed;
      gc();
      last = now();
      log.debug({ ms: Math.round(last - started), heapUsedMbBefore: mb(before), heapUsedMbAfter: mb(process.memoryUsage().heapUsed) }, 'full GC after a large apply');
    });
  };
}

function mb(bytes: number): number {
  return Math.round(bytes / 1048576);
}
