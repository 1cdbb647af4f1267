import type * as StorageIndex from './index.js';

const trapped = new Set<string>();

/** A fresh copy of the package index with `modules` replaced by ones that fail when loaded. */
function indexWithTrapped(modules: readonly string[]): typeof StorageIndex {
  let index: typeof StorageIndex | undefined;
  jest.isolateModules(() => {
    for (const name of modules) {
      trapped.add(name);
      jest.doMock(name, () => {
        throw new Error(`${name} was loaded`);
      });
    }
    index = require('./index.js') as typeof StorageIndex;
  });
  return index!;
}

describe('lazy loading of the backends', () => {
  afterEach(() => {
    for (const name of trapped) jest.dontMock(name);
    trapped.clear();
    jest.resetModules();
  });

  it('imports the package and runs memory storage without loading etcd3, koffi or yaml', async () => {
    const storage = indexWithTrapped(['etcd3', 'koffi', 'yaml']);
    const s = storage.createStorage('memory');
    await s.apply([{ op: 'put', kind: 'upstreams', id: 'u1', value: { id: 'u1', type: 'roundrobin', nodes: [] } }]);
    expect((await s.readAll()).get('upstreams')?.get('u1')).toMatchObject({ id: 'u1' });
    await s.close();
  });

  it('loads a backend module on first use of its export, and only then', () => {
    const storage = indexWithTrapped(['etcd3', 'koffi']);
    expect(Object.keys(storage)).toEqual(expect.arrayContaining(['EtcdBackend', 'ShdictBackend', 'LIBXDS_PATH']));
    expect(() => storage.EtcdBackend).toThrow('etcd3 was loaded');
    expect(() => storage.createStorage('etcd://127.0.0.1:2379')).toThrow('etcd3 was loaded');
    expect(() => storage.LIBXDS_PATH).toThrow('koffi was loaded');
    expect(() => storage.createStorage('shdict:/tmp/none.sock')).toThrow('koffi was loaded');
  });

  it('gives the real exports once loaded', () => {
    const storage = indexWithTrapped([]);
    expect(typeof storage.EtcdBackend).toBe('function');
    expect(storage.LIBXDS_PATH).toMatch(/libxds\.so$/);
    expect(storage.formatStandalone).toBe(storage.formatStandalone);
    expect(storage.parseStandalone(storage.formatStandalone(storage.emptyState(), 'yaml'), 'yaml').get('routes')?.size).toBe(0);
  });
});
