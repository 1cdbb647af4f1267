import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createStorage } from './create-storage.js';
import { StorageCapacityError, StorageTimeoutError, StorageUnavailableError } from './errors.js';
import type { Change, Storage, StorageEvent } from './storage.js';
import { BridgeConnection } from './shdict-native.js';
import { NginxServer, waitUntil } from './testing/index.js';

jest.setTimeout(60_000);

const upstream = (id: string, port = 80): Change => ({
  op: 'put',
  kind: 'upstreams',
  id,
  value: { id, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port, weight: 1 }] },
});
const route = (id: string, upstreamId: string, extra: Record<string, unknown> = {}): Change => ({
  op: 'put',
  kind: 'routes',
  id,
  value: { id, uri: `/${id}/*`, upstream_id: upstreamId, ...extra },
});

/** The dict as the client believes it: `/<kind>/<id>` -> object JSON. */
async function expectedDict(storage: Storage): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const [kind, objects] of await storage.readAll()) for (const [id, v] of objects) out.set(`/${kind}/${id}`, v);
  return out;
}

async function actualDict(nginx: NginxServer): Promise<Map<string, unknown>> {
  return new Map([...(await nginx.dump())].map(([k, v]) => [k, JSON.parse(v)]));
}

describe('shdict backend against real nginx + lua-nginx-module', () => {
  let nginx: NginxServer;
  let storage: Storage;
  const events: StorageEvent[] = [];

  beforeEach(async () => {
    events.length = 0;
    nginx = await NginxServer.start();
    storage = createStorage(`shdict:${nginx.socketPath}`, {
      onEvent: (e) => events.push(e),
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      shdict: { watchIntervalMs: 100 },
    });
  });

  afterEach(async () => {
    await storage.close();
    await nginx.stop();
  });

  it('writes objects, then the version; deletes store nil', async () => {
    await storage.apply([route('r1', 'u1'), upstream('u1')]);
    const v1 = await nginx.version();
    expect(v1).toBeGreaterThan(0);
    expect(JSON.parse((await nginx.get('/upstreams/u1'))!)).toEqual((upstream('u1') as { value: unknown }).value);
    expect(JSON.parse((await nginx.get('/routes/r1'))!)).toMatchObject({ id: 'r1', upstream_id: 'u1' });

    await storage.apply([{ op: 'delete', kind: 'routes', id: 'r1' }]);
    expect(await nginx.get('/routes/r1')).toBeUndefined();
    expect(await nginx.version()).toBeGreaterThan(v1!);
    expect(await actualDict(nginx)).toEqual(await expectedDict(storage));
    expect(events.filter((e) => e.type === 'write').map((e) => e.type === 'write' && e.count)).toEqual([2, 1]);
  });

  it('a full dict: typed error naming the key, nothing evicted, the change stays queued until replaced', async () => {
    await storage.close();
    await nginx.stop();
    nginx = await NginxServer.start({ configDictSize: '64k' });
    storage = createStorage(`shdict:${nginx.socketPath}`, {
      onEvent: (e) => events.push(e),
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      applyTimeoutMs: 1000,
    });
    const small = Array.from({ length: 5 }, (_, i) => upstream(`u${i}`));
    await storage.apply(small);
    const before = await nginx.dump();
    const version = await nginx.version();

    const big = route('big', 'u0', { plugins: { 'x-not-bundled': { blob: 'x'.repeat(200_000) } } });
    const err = await storage.apply([big]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageTimeoutError);
    const cause = (err as StorageTimeoutError).lastError;
    expect(cause).toBeInstanceOf(StorageCapacityError);
    expect((cause as StorageCapacityError).key).toBe('/routes/big');
    expect(cause!.message).toMatch(/no memory/);
    expect(events.some((e) => e.type === 'error' && e.error instanceof StorageCapacityError)).toBe(true);
    expect(events.some((e) => e.type === 'retry')).toBe(true);
    expect(storage.health()).toMatchObject({ pending: 1, lastError: expect.stringMatching(/routes\/big/) });

    // Nothing was evicted and the version did not move: APISIX still sees the previous state.
    expect(await nginx.dump()).toEqual(before);
    expect(await nginx.version()).toBe(version);

    // A newer change of the same key replaces the queued one and goes through.
    await storage.apply([route('big', 'u0')]);
    expect(storage.health().pending).toBe(0);
    expect(JSON.parse((await nginx.get('/routes/big'))!)).toMatchObject({ id: 'big' });
  });

  it('a missing socket: typed error, queued, written once nginx comes up', async () => {
    await storage.close();
    await nginx.stop();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-sock-'));
    const socketPath = path.join(dir, 'xds.sock');
    storage = createStorage(`shdict:${socketPath}`, {
      onEvent: (e) => events.push(e),
      retry: { initialDelayMs: 50, maxDelayMs: 200 },
      applyTimeoutMs: 500,
    });
    const err = await storage.apply([upstream('u1'), route('r1', 'u1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageTimeoutError);
    expect((err as StorageTimeoutError).lastError).toBeInstanceOf(StorageUnavailableError);
    expect((err as StorageTimeoutError).lastError!.message).toMatch(/ENOENT/);
    expect(storage.health()).toMatchObject({ healthy: false, pending: 2 });

    nginx = await NginxServer.start({ socketPath });
    await storage.flush();
    expect(await actualDict(nginx)).toEqual(await expectedDict(storage));
    expect((await expectedDict(storage)).size).toBe(2);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each(['reload', 'kill'] as const)('nginx %s: full replay, final state equal to the client', async (how) => {
    await storage.apply([upstream('u1'), upstream('u2'), route('r1', 'u1'), route('r2', 'u2')]);
    const v1 = await nginx.version();
    // A reload with a different dict size gives an empty new zone: only a replay refills it.
    if (how === 'reload') await nginx.reload('12m');
    else await nginx.replaceBridgeWorker('kill');
    await waitUntil('the replay after the new worker', () => events.some((e) => e.type === 'reconnect'), 10_000);
    expect(events.find((e) => e.type === 'reconnect')).toMatchObject({ replayed: 4 });
    expect(await nginx.version()).toBeGreaterThan(v1!);
    await storage.apply([{ op: 'delete', kind: 'routes', id: 'r2' }, route('r3', 'u1')]);
    const expected = await expectedDict(storage);
    expect([...expected.keys()].sort()).toEqual(['/routes/r1', '/routes/r3', '/upstreams/u1', '/upstreams/u2']);
    expect(await actualDict(nginx)).toEqual(expected);
  });

  it('writes through a change queued while the worker was being replaced', async () => {
    await storage.apply([upstream('u1')]);
    await nginx.replaceBridgeWorker('kill');
    // Applied right away: the first attempt may hit the dead connection; it is retried after replay.
    await storage.apply([route('r1', 'u1')]);
    expect(await actualDict(nginx)).toEqual(await expectedDict(storage));
  });
});

describe('libxds serves each client on its own', () => {
  it('a connected but idle client does not block another one', async () => {
    const nginx = await NginxServer.start();
    const idle = BridgeConnection.connect(nginx.socketPath);
    const storage = createStorage(`shdict:${nginx.socketPath}`, { applyTimeoutMs: 5000 });
    try {
      await storage.apply([upstream('u1')]);
      expect(await nginx.get('/upstreams/u1')).toBeDefined();
      expect(idle.alive()).toBe(true);
    } finally {
      idle.close();
      await storage.close();
      await nginx.stop();
    }
  });
});
