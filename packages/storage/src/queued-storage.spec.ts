import type { Backend, KeyFailure } from './backend.js';
import { coalesce, safeOrder } from './change-order.js';
import { createStorage, parseStorageSpec } from './create-storage.js';
import { StorageConfigError, StorageUnavailableError, StorageValidationError, StorageWriteError } from './errors.js';
import { QueuedStorage } from './queued-storage.js';
import { applyToState, emptyState } from './state.js';
import type { Change, ResourceKind, StorageEvent, StoredState } from './storage.js';

const put = (kind: ResourceKind, id: string, value: Record<string, unknown> = {}): Change => ({ op: 'put', kind, id, value: { id, ...value } });
const del = (kind: ResourceKind, id: string): Change => ({ op: 'delete', kind, id });
const upstream = (id: string) => put('upstreams', id, { type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] });
const route = (id: string) => put('routes', id, { uri: '/x', upstream_id: 'u1' });

/** A backend we can take down and bring back, recording every batch it was given. */
class SwitchableBackend implements Backend {
  readonly name = 'switchable';
  up = true;
  refuse = new Set<string>();
  batches: Change[][] = [];
  state = emptyState();
  async write(changes: readonly Change[]): Promise<readonly KeyFailure[]> {
    if (!this.up) throw new StorageUnavailableError('switchable: down', this.name);
    this.batches.push([...changes]);
    const failures = changes
      .filter((c) => this.refuse.has(c.id))
      .map((change) => ({ change, error: new StorageWriteError(`refused ${change.id}`, this.name, change.id) }));
    applyToState(this.state, changes.filter((c) => !this.refuse.has(c.id)));
    return failures;
  }
  async readAll(): Promise<StoredState> {
    return this.state;
  }
  async close(): Promise<void> {}
}

describe('safe order and coalescing (pure)', () => {
  it('puts referenced kinds before routes, deletes routes before upstreams', () => {
    const order = safeOrder([del('upstreams', 'u0'), route('r1'), del('routes', 'r0'), upstream('u1'), put('ssls', 's1'), put('stream_routes', 'sr1'), put('plugin_configs', 'p1')]);
    expect(order.map((c) => `${c.op} ${c.kind}`)).toEqual([
      'put upstreams',
      'put ssls',
      'put plugin_configs',
      'put routes',
      'put stream_routes',
      'delete routes',
      'delete upstreams',
    ]);
  });
  it('keeps the last change per key', () => {
    expect(coalesce([upstream('u1'), del('upstreams', 'u1'), route('r1'), del('routes', 'r1'), route('r1')])).toEqual([del('upstreams', 'u1'), route('r1')]);
  });
});

describe('storage specs', () => {
  it.each([
    ['memory', { backend: 'memory' }],
    ['etcd://127.0.0.1:2379', { backend: 'etcd', hosts: ['127.0.0.1:2379'], prefix: '/apisix' }],
    ['etcd://a:1,b:2/mesh/x', { backend: 'etcd', hosts: ['a:1', 'b:2'], prefix: '/mesh/x' }],
    ['yaml:/etc/apisix/apisix.yaml', { backend: 'yaml', file: '/etc/apisix/apisix.yaml' }],
    ['shdict:/run/xds.sock', { backend: 'shdict', socketPath: '/run/xds.sock' }],
  ])('%s', (spec, parsed) => expect(parseStorageSpec(spec)).toEqual(parsed));
  it.each(['redis://x', 'etcd://', 'etcd://host', 'yaml:', 'shdict:', ''])('refuses %j with what is accepted', (spec) => {
    expect(() => createStorage(spec)).toThrow(StorageConfigError);
    expect(() => createStorage(spec)).toThrow(/expected one of: "memory", "etcd:\/\//);
  });
});

describe('QueuedStorage', () => {
  it('memory: apply, readAll, health', async () => {
    const storage = createStorage('memory');
    await storage.apply([upstream('u1'), route('r1')]);
    await storage.apply([del('routes', 'r1')]);
    const state = await storage.readAll();
    expect([...state.get('upstreams')!.keys()]).toEqual(['u1']);
    expect(state.get('routes')!.size).toBe(0);
    expect(storage.health()).toMatchObject({ backend: 'memory', healthy: true, pending: 0 });
    await storage.close();
    await expect(storage.apply([upstream('u2')])).rejects.toThrow(/after close/);
  });

  it('refuses schema-invalid objects and ids that differ from the key, writing nothing of them', async () => {
    const backend = new SwitchableBackend();
    const events: StorageEvent[] = [];
    const storage = new QueuedStorage(backend, { onEvent: (e) => events.push(e) });
    const badUpstream = put('upstreams', 'u2', { type: 'roundrobin', nodes: 'nope' });
    const wrongId: Change = { op: 'put', kind: 'routes', id: 'r1', value: { id: 'other', uri: '/x', upstream_id: 'u1' } };
    const err = await storage.apply([upstream('u1'), badUpstream, wrongId]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageValidationError);
    const invalid = (err as StorageValidationError).invalid;
    expect(invalid.map((i) => i.id)).toEqual(['u2', 'r1']);
    expect(invalid[1]!.reasons[0]).toMatch(/differs from the key id/);
    expect(backend.batches.flat().map((c) => c.id)).toEqual(['u1']);
    expect(events.filter((e) => e.type === 'error')).toHaveLength(1);
  });

  it('while the backend is down: coalesces per key, retries with backoff, writes only the latest on recovery', async () => {
    const backend = new SwitchableBackend();
    const events: StorageEvent[] = [];
    const storage = new QueuedStorage(backend, { onEvent: (e) => events.push(e), retry: { initialDelayMs: 10, maxDelayMs: 40 } });
    backend.up = false;
    const a = storage.apply([upstream('u1'), route('r1')]);
    const b = storage.apply([del('routes', 'r1'), upstream('u2')]);
    await new Promise((r) => setTimeout(r, 200));
    expect(storage.health()).toMatchObject({ healthy: false, pending: 3, lastError: 'switchable: down' });
    const retries = events.filter((e) => e.type === 'retry');
    expect(retries.length).toBeGreaterThan(2);
    expect(retries.map((e) => e.type === 'retry' && e.delayMs).slice(0, 4)).toEqual([10, 20, 40, 40]);
    backend.up = true;
    await Promise.all([a, b]);
    expect(backend.batches).toEqual([[upstream('u1'), upstream('u2'), del('routes', 'r1')]]);
    expect(storage.health()).toMatchObject({ healthy: true, pending: 0 });
    expect(storage.health().lastError).toBeUndefined();
  });

  it('a key the backend refuses stays queued (others go through) until a newer change replaces it', async () => {
    const backend = new SwitchableBackend();
    backend.refuse.add('u2');
    const storage = new QueuedStorage(backend, { retry: { initialDelayMs: 10, maxDelayMs: 20 }, applyTimeoutMs: 150 });
    await expect(storage.apply([upstream('u1'), upstream('u2')])).rejects.toThrow(/not written after 150 ms.*\/upstreams\/u2.*refused u2/);
    expect((await storage.readAll()).get('upstreams')!.has('u1')).toBe(true);
    expect(storage.health().pending).toBe(1);
    backend.refuse.clear();
    await storage.flush();
    expect((await storage.readAll()).get('upstreams')!.has('u2')).toBe(true);
  });
});
