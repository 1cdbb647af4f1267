import { RESOURCE_KINDS, type Change, type ResourceKind, type StoredObject, type StoredState } from './storage.js';

export function emptyState(): StoredState {
  return new Map(RESOURCE_KINDS.map((k) => [k, new Map<string, StoredObject>()]));
}

/** Applies changes to a state in place (and returns it). */
export function applyToState(state: StoredState, changes: readonly Change[]): StoredState {
  for (const c of changes) {
    let objects = state.get(c.kind);
    if (!objects) state.set(c.kind, (objects = new Map()));
    if (c.op === 'put') objects.set(c.id, c.value);
    else objects.delete(c.id);
  }
  return state;
}

export function cloneState(state: StoredState): StoredState {
  const out = emptyState();
  for (const [kind, objects] of state) out.set(kind, new Map(objects));
  return out;
}

export function stateSize(state: StoredState): number {
  let n = 0;
  for (const objects of state.values()) n += objects.size;
  return n;
}

/** Every object of a state as a put, in safe order (upstreams before routes): what a replay writes. */
export function stateAsChanges(state: StoredState): Change[] {
  const out: Change[] = [];
  for (const kind of RESOURCE_KINDS) {
    for (const [id, value] of state.get(kind) ?? []) out.push({ op: 'put', kind, id, value });
  }
  return out;
}

export function isResourceKind(s: string): s is ResourceKind {
  return (RESOURCE_KINDS as readonly string[]).includes(s);
}
