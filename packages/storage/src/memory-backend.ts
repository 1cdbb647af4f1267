import type { Backend, KeyFailure } from './backend.js';
import { applyToState, cloneState, emptyState } from './state.js';
import type { Change, StoredState } from './storage.js';

/**
 * The embedded default: a map in this process (what the sidecar's debug endpoint serves). It holds
 * the written objects themselves, not copies (callers must not mutate an object once applied; the
 * sidecar keeps the same objects as its "last written" state), so memory storage costs one map
 * entry per object, not a second copy of the mesh.
 */
export class MemoryBackend implements Backend {
  readonly name = 'memory';
  private readonly state = emptyState();

  async write(changes: readonly Change[]): Promise<readonly KeyFailure[]> {
    applyToState(this.state, changes);
    return [];
  }

  async readAll(): Promise<StoredState> {
    return cloneState(this.state);
  }

  async close(): Promise<void> {}
}
