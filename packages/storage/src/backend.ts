import type { StorageError } from './errors.js';
import type { Change, StoredState } from './storage.js';

/** A change the backend could not write, and why. The change stays queued. */
export interface KeyFailure {
  change: Change;
  error: StorageError;
}

/**
 * What a backend implements; QueuedStorage adds validation, ordering, coalescing, retries and
 * events on top. `write` receives changes already coalesced and in safe order. It either throws a
 * StorageError (nothing or an unknown part was written: everything is retried — every backend
 * write is idempotent) or returns the keys that failed (all others were written).
 */
export interface Backend {
  readonly name: string;
  write(changes: readonly Change[]): Promise<readonly KeyFailure[]>;
  readAll(): Promise<StoredState>;
  close(): Promise<void>;
  /** Optional: lets a backend report reconnects (the shdict bridge replays on reconnect). */
  setObserver?(emit: (replayed: number) => void): void;
}
