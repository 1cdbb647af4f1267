import { Etcd3 } from 'etcd3';
import { createStorage } from './create-storage.js';
import { StorageTimeoutError, StorageUnavailableError, StorageValidationError } from './errors.js';
import type { Change, Storage, StorageEvent } from './storage.js';
import { EtcdServer } from './testing/index.js';

jest.setTimeout(90_000);

const upstream = (id: string): Change => ({
  op: 'put',
  kind: 'upstreams',
  id,
  value: { id, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] },
});
const route = (id: string, upstreamId: string): Change => ({
  op: 'put',
  kind: 'routes',
  id,
  value: { id, uri: `/${id}`, upstream_id: upstreamId },
});

describe('etcd backend against a real etcd', () => {
  let etcd: EtcdServer;
  let raw: Etcd3;
  let storage: Storage;
  const events: StorageEvent[] = [];

  beforeAll(async () => {
    etcd = await EtcdServer.start();
    raw = new Etcd3({ hosts: `http://${etcd.endpoint}` });
  });
  afterAll(async () => {
    raw.close();
    await etcd.stop();
  });
  beforeEach(async () => {
    events.length = 0;
    await raw.delete().all();
    storage = createStorage(`etcd://${etcd.endpoint}`, {
      onEvent: (e) => events.push(e),
      retry: { initialDelayMs: 100, maxDelayMs: 500 },
      etcd: { callTimeoutMs: 1000 },
    });
  });
  afterEach(() => storage.close());

  it("writes APISIX's layout: <prefix>/<kind>/<id>, id and integer times, create_time kept on update", async () => {
    await storage.apply([route('r1', 'u1'), upstream('u1')]);
    const stored = JSON.parse((await raw.get('/apisix/upstreams/u1').string())!);
    expect(stored).toMatchObject({ id: 'u1', type: 'roundrobin' });
    expect(Number.isInteger(stored.create_time)).toBe(true);
    expect(stored.update_time).toBe(stored.create_time);
    expect(JSON.parse((await raw.get('/apisix/routes/r1').string())!)).toMatchObject({ id: 'r1', upstream_id: 'u1' });

    await raw.put('/apisix/upstreams/u1').value(JSON.stringify({ ...stored, create_time: 1000 }));
    const fresh = createStorage(`etcd://${etcd.endpoint}/apisix`);
    await fresh.apply([{ ...upstream('u1'), value: { ...(upstream('u1') as { value: object }).value, id: 'u1', desc: 'v2' } } as Change]);
    const updated = JSON.parse((await raw.get('/apisix/upstreams/u1').string())!);
    expect(updated).toMatchObject({ desc: 'v2', create_time: 1000 });
    expect(updated.update_time).toBeGreaterThan(1000);
    await fresh.close();

    await storage.apply([{ op: 'delete', kind: 'routes', id: 'r1' }]);
    expect(await raw.get('/apisix/routes/r1').string()).toBeNull();
    const state = await storage.readAll();
    expect([...state.get('routes')!.keys()]).toEqual([]);
    expect(state.get('upstreams')!.get('u1')).toEqual({ id: 'u1', type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }], desc: 'v2' });
  });

  it('honours a custom prefix and several hosts; ignores foreign keys under the prefix', async () => {
    const other = createStorage(`etcd://${etcd.endpoint},${etcd.endpoint}/mesh/a`);
    await raw.put('/mesh/a/plugins').value('[]');
    await other.apply([upstream('u9')]);
    expect(await raw.get('/mesh/a/upstreams/u9').string()).not.toBeNull();
    const state = await other.readAll();
    expect([...state.get('upstreams')!.keys()]).toEqual(['u9']);
    await other.close();
  });

  it('writes a batch larger than one transaction in safe order', async () => {
    const changes: Change[] = [];
    for (let i = 0; i < 300; i++) changes.push(route(`r${i}`, `u${i}`), upstream(`u${i}`));
    await storage.apply(changes);
    const state = await storage.readAll();
    expect(state.get('routes')!.size).toBe(300);
    expect(state.get('upstreams')!.size).toBe(300);
    // Transactions are in safe order: no route is older than any upstream (equal = the same transaction).
    const revisions = async (prefix: string) =>
      (await raw.getAll().prefix(prefix).exec()).kvs.map((kv) => Number(kv.create_revision));
    expect(Math.max(...(await revisions('/apisix/upstreams/')))).toBeLessThanOrEqual(Math.min(...(await revisions('/apisix/routes/'))));
  });

  it('refuses a schema-invalid object with the reason and writes the valid ones', async () => {
    const bad: Change = { op: 'put', kind: 'routes', id: 'bad', value: { id: 'bad', uri: 42 } };
    const err = await storage.apply([upstream('u1'), bad]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageValidationError);
    expect((err as StorageValidationError).invalid).toEqual([{ kind: 'routes', id: 'bad', reasons: expect.arrayContaining([expect.stringMatching(/^\/uri: must be string/)]) }]);
    expect((err as Error).message).toMatch(/\/routes\/bad/);
    expect(await raw.get('/apisix/routes/bad').string()).toBeNull();
    expect(await raw.get('/apisix/upstreams/u1').string()).not.toBeNull();
  });

  it('outage: changes queue coalesced, errors and retries are reported, all written on recovery', async () => {
    await storage.apply([upstream('u1'), route('r1', 'u1')]);
    await etcd.pause();
    try {
      const during = storage.apply([upstream('u2'), route('r2', 'u2')]);
      const later = storage.apply([{ op: 'delete', kind: 'routes', id: 'r1' }, { ...route('r2', 'u1') }]);
      await new Promise((r) => setTimeout(r, 2500));
      expect(storage.health()).toMatchObject({ healthy: false, pending: 3 });
      expect(events.some((e) => e.type === 'error' && e.error instanceof StorageUnavailableError)).toBe(true);
      expect(events.some((e) => e.type === 'retry')).toBe(true);

      const timeoutStorage = createStorage(`etcd://${etcd.endpoint}`, { applyTimeoutMs: 300, etcd: { callTimeoutMs: 200 } });
      await expect(timeoutStorage.apply([upstream('u3')])).rejects.toBeInstanceOf(StorageTimeoutError);
      await timeoutStorage.close().catch(() => undefined);

      await etcd.resume();
      await Promise.all([during, later]);
    } finally {
      await etcd.resume();
    }
    expect(storage.health()).toMatchObject({ healthy: true, pending: 0 });
    const state = await storage.readAll();
    expect([...state.get('routes')!.keys()]).toEqual(['r2']);
    expect(state.get('routes')!.get('r2')).toMatchObject({ upstream_id: 'u1' });
    expect([...state.get('upstreams')!.keys()].sort()).toEqual(['u1', 'u2']);
  });
});
