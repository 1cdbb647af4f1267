import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** V8's gc() as --expose-gc gives it, with the options Node 20's V8 takes. */
export type BenchGc = (options?: { type: 'minor' | 'major' }) => void;

/**
 * The bench process's own gc(). It is only exposed with --expose-gc; setting the flag at run time
 * and taking `gc` from a fresh context gives it without changing how the bench is started.
 */
export function benchGc(): BenchGc {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as BenchGc | undefined;
  if (typeof gc !== 'function') throw new Error('could not obtain gc() (node:v8 setFlagsFromString --expose-gc had no effect)');
  return gc;
}
