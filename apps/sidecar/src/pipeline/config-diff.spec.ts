import { emptyApisixConfig, type ApisixConfig, type ApisixRoute, type ApisixUpstream } from '@amesh/translator';
import type { ResourceKind, StoredObject, StoredState } from '@amesh/storage';
import { diffConfig, WrittenIndex } from './config-diff.js';
import { jsonEqual } from './json-equal.js';

function upstream(i: number, nodes = 3): ApisixUpstream {
  return {
    id: `u-${i}`,
    name: `outbound|80||svc-${i}`,
    type: 'roundrobin',
    nodes: Array.from({ length: nodes }, (_, e) => ({ host: `10.0.${i}.${e + 1}`, port: 8080, weight: 1 })),
  };
}

function route(i: number): ApisixRoute {
  return { id: `r-${i}`, name: `svc-${i}`, hosts: [`svc-${i}.ns.svc.cluster.local`], uris: ['/*'], upstream_id: `u-${i}`, priority: 0 };
}

function mesh(n: number): ApisixConfig {
  const c = emptyApisixConfig();
  for (let i = 0; i < n; i++) {
    c.upstreams.push(upstream(i));
    c.routes.push(route(i));
  }
  return c;
}

describe('diffConfig', () => {
  it('puts everything into an empty baseline', () => {
    const { changes, next } = diffConfig(WrittenIndex.empty(), mesh(3));
    expect(changes).toHaveLength(6);
    expect(changes.every((c) => c.op === 'put')).toBe(true);
    expect(next.size).toBe(6);
  });

  it('writes nothing when nothing changed', () => {
    const first = diffConfig(WrittenIndex.empty(), mesh(50)).next;
    expect(diffConfig(first, mesh(50)).changes).toEqual([]);
  });

  it('turns one endpoint change in a large mesh into exactly one upstream put', () => {
    const base = diffConfig(WrittenIndex.empty(), mesh(2000)).next;
    const changed = mesh(2000);
    changed.upstreams[1234].nodes[1] = { host: '10.9.9.9', port: 8080, weight: 1 };
    const { changes, next } = diffConfig(base, changed);
    expect(changes).toEqual([{ op: 'put', kind: 'upstreams', id: 'u-1234', value: changed.upstreams[1234] }]);
    expect(next.get('upstreams', 'u-1234')).toBe(changed.upstreams[1234]);
    // The baseline it came from is untouched (it is the last good state until the write succeeds).
    expect((base.get('upstreams', 'u-1234') as unknown as ApisixUpstream).nodes[1].host).toBe('10.0.1234.2');
  });

  it('compares by place and reference when the last diff made the baseline', () => {
    const desired = mesh(100);
    const base = diffConfig(WrittenIndex.empty(), desired).next;
    expect(base.source).toBe(desired);
    // The translator's next result: the same instances but one, the same order.
    const next = { ...desired, upstreams: desired.upstreams.slice() };
    next.upstreams[42] = { ...desired.upstreams[42]!, nodes: [{ host: '10.9.9.9', port: 8080, weight: 1 }] };
    next.upstreams[7] = { ...desired.upstreams[7]! }; // a new object with equal content: no put
    expect(diffConfig(base, next).changes).toEqual([{ op: 'put', kind: 'upstreams', id: 'u-42', value: next.upstreams[42] }]);
    // Another order falls back to lookups by id and finds the same.
    const shuffled = { ...next, upstreams: next.upstreams.slice().reverse() };
    expect(diffConfig(base, shuffled).changes).toEqual([{ op: 'put', kind: 'upstreams', id: 'u-42', value: next.upstreams[42] }]);
  });

  it('deletes what is no longer desired, after the puts', () => {
    const base = diffConfig(WrittenIndex.empty(), mesh(3)).next;
    const smaller = mesh(3);
    smaller.routes.splice(2, 1);
    smaller.upstreams.splice(2, 1);
    smaller.upstreams[0] = { ...smaller.upstreams[0], retries: 2 };
    const { changes, next } = diffConfig(base, smaller);
    expect(changes.map((c) => `${c.op} ${c.kind}/${c.id}`)).toEqual(['put upstreams/u-0', 'delete upstreams/u-2', 'delete routes/r-2']);
    expect(next.size).toBe(4);
    expect(next.get('routes', 'r-2')).toBeUndefined();
  });

  it('ignores key order and backend timestamps in a baseline read back from storage', () => {
    const desired = mesh(2);
    const stored: StoredState = new Map<ResourceKind, Map<string, StoredObject>>([
      ['upstreams', new Map()],
      ['routes', new Map()],
    ]);
    for (const u of desired.upstreams) {
      // Reversed key order plus etcd's bookkeeping fields.
      const reversed = Object.fromEntries(Object.entries(u).reverse()) as StoredObject;
      stored.get('upstreams')?.set(u.id, { ...reversed, create_time: 1700000000, update_time: 1700000001 });
    }
    for (const r of desired.routes) stored.get('routes')?.set(r.id, { ...r } as unknown as StoredObject);
    const base = WrittenIndex.fromStored(stored);
    expect(base.size).toBe(4);
    expect(diffConfig(base, desired).changes).toEqual([]);
  });

  it('lists objects sorted by id per kind', () => {
    const base = diffConfig(WrittenIndex.empty(), mesh(12)).next;
    const lists = base.toLists();
    expect(lists.routes.map((r) => r.id)).toEqual([...lists.routes.map((r) => r.id)].sort());
    expect(lists.ssls).toEqual([]);
  });
});

describe('jsonEqual', () => {
  it('compares as JSON: key order and undefined members do not matter, values do', () => {
    expect(jsonEqual({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }, { a: { d: [1, { y: 2, z: 1 }] }, b: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 0 })).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonEqual({ a: null }, { a: {} })).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
  });

  it('ignores the named top-level fields only', () => {
    const ignore = new Set(['update_time']);
    expect(jsonEqual({ id: 'x', update_time: 1 }, { id: 'x' }, ignore)).toBe(true);
    expect(jsonEqual({ id: 'x', n: { update_time: 1 } }, { id: 'x', n: {} }, ignore)).toBe(false);
  });
});
