import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { createStorage } from './create-storage.js';
import { StorageTimeoutError, StorageUnavailableError } from './errors.js';
import type { Change, StorageEvent } from './storage.js';

const upstream = (id: string): Change => ({
  op: 'put',
  kind: 'upstreams',
  id,
  value: { id, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] },
});
const ssl = (id: string): Change => ({
  op: 'put',
  kind: 'ssls',
  id,
  value: { id, cert: `-----BEGIN CERTIFICATE-----\n${'A'.repeat(200)}\n-----END CERTIFICATE-----\n`, key: `-----BEGIN PRIVATE KEY-----\n${'B'.repeat(200)}\n-----END PRIVATE KEY-----\n`, snis: ['a.example'] },
});

describe('yaml backend (APISIX standalone file)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-yaml-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes top-level lists, #END last, mode 0600, and reads back what it wrote', async () => {
    const file = path.join(dir, 'apisix.yaml');
    const storage = createStorage(`yaml:${file}`);
    await storage.apply([upstream('u1'), ssl('s1'), { op: 'put', kind: 'routes', id: 'r1', value: { id: 'r1', uri: '/a', upstream_id: 'u1' } }]);
    const text = fs.readFileSync(file, 'utf8');
    expect(text.trimEnd().split('\n').at(-1)).toBe('#END');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const doc = parse(text);
    expect(doc.routes).toEqual([{ id: 'r1', uri: '/a', upstream_id: 'u1' }]);
    expect(doc.ssls[0].key).toBe((ssl('s1') as { value: Record<string, unknown> }).value.key);
    expect(doc.stream_routes).toEqual([]);
    expect(fs.readdirSync(dir)).toEqual(['apisix.yaml']);

    await storage.apply([{ op: 'delete', kind: 'routes', id: 'r1' }]);
    // A fresh storage (sidecar restart) reads the file back.
    const again = createStorage(`yaml:${file}`);
    const state = await again.readAll();
    expect([...state.get('routes')!.keys()]).toEqual([]);
    expect(state.get('upstreams')!.get('u1')).toEqual((upstream('u1') as { value: unknown }).value);
    await Promise.all([storage.close(), again.close()]);
  });

  it('moves the mtime forward on every write, even several within one second', async () => {
    const file = path.join(dir, 'apisix.yaml');
    const storage = createStorage(`yaml:${file}`);
    const mtimes: number[] = [];
    for (let i = 0; i < 4; i++) {
      await storage.apply([upstream(`u${i}`)]);
      mtimes.push(Math.floor(fs.statSync(file).mtimeMs / 1000));
    }
    for (let i = 1; i < mtimes.length; i++) expect(mtimes[i]!).toBeGreaterThan(mtimes[i - 1]!);
    await storage.close();
  });

  it('writes apisix.json when the path ends in .json', async () => {
    const file = path.join(dir, 'apisix.json');
    const storage = createStorage(`yaml:${file}`);
    await storage.apply([upstream('u1')]);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(doc.upstreams).toEqual([(upstream('u1') as { value: unknown }).value]);
    expect(fs.readFileSync(file, 'utf8')).not.toMatch(/#END/);
    await storage.close();
  });

  it('an unwritable place: typed error, retried, written once it is fixed', async () => {
    const sub = path.join(dir, 'not-yet');
    const file = path.join(sub, 'apisix.yaml');
    const events: StorageEvent[] = [];
    const storage = createStorage(`yaml:${file}`, { applyTimeoutMs: 300, retry: { initialDelayMs: 20, maxDelayMs: 50 }, onEvent: (e) => events.push(e) });
    const err = await storage.apply([upstream('u1')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageTimeoutError);
    expect((err as StorageTimeoutError).lastError).toBeInstanceOf(StorageUnavailableError);
    expect((err as StorageTimeoutError).lastError!.message).toContain(file);
    expect(events.filter((e) => e.type === 'retry').length).toBeGreaterThan(1);
    fs.mkdirSync(sub);
    await storage.flush();
    expect(parse(fs.readFileSync(file, 'utf8')).upstreams).toHaveLength(1);
    await storage.close();
  });
});
