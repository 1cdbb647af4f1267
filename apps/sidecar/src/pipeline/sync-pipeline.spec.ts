import { create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, ClusterSchema, ListenerSchema, TypeUrl } from '@amesh/proto';
import { createStorage, type Change, type Storage } from '@amesh/storage';
import { decodeRefs, emptyApisixConfig, emptyXdsResources, refsOf, type TranslateResult, type XdsRefs } from '@amesh/translator';
import type { XdsSnapshot } from '@amesh/transport';
import pino from 'pino';
import { SidecarMetrics } from '../observability/sidecar-metrics.js';
import { WrittenIndex } from './config-diff.js';
import { SyncPipeline } from './sync-pipeline.js';

const log = pino({ level: 'silent' });

/** A snapshot of n services, service i with `endpoints[i]` (default one endpoint 10.0.0.<i+1>). */
function snapshot(n: number, version: string, endpoints: Record<number, string[]> = {}): XdsSnapshot {
  const r = emptyXdsResources();
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    r.clusters.push(create(ClusterSchema, { name }));
    r.clusterLoadAssignments.push(
      create(ClusterLoadAssignmentSchema, {
        clusterName: name,
        endpoints: [
          {
            lbEndpoints: (endpoints[i] ?? [`10.0.0.${i + 1}`]).map((ip) => ({
              hostIdentifier: {
                case: 'endpoint' as const,
                value: { address: { address: { case: 'socketAddress' as const, value: { address: ip, portSpecifier: { case: 'portValue' as const, value: 80 } } } } },
              },
            })),
          },
        ],
      }),
    );
  }
  return { resources: refsOf(r), versions: { [TypeUrl.Cluster]: version, [TypeUrl.ClusterLoadAssignment]: version }, received: [] };
}

/**
 * A small stand-in for the translator (its behaviour is not under test here): an upstream per
 * cluster with the CLA's addresses, and a route per cluster.
 */
function toyTranslate(xds: XdsRefs): TranslateResult {
  const config = emptyApisixConfig();
  for (const cla of decodeRefs(xds).clusterLoadAssignments) {
    const nodes = cla.endpoints.flatMap((l) =>
      l.lbEndpoints.map((e) => {
        const a = e.hostIdentifier.case === 'endpoint' ? e.hostIdentifier.value.address?.address : undefined;
        return { host: a?.case === 'socketAddress' ? a.value.address : '', port: 80, weight: 1 };
      }),
    );
    config.upstreams.push({ id: `u-${cla.clusterName}`, type: 'roundrobin', nodes });
    config.routes.push({ id: `r-${cla.clusterName}`, hosts: [`${cla.clusterName}.local`], uris: ['/*'], upstream_id: `u-${cla.clusterName}` });
  }
  return { config, report: [] };
}

/** The real memory storage, observed: records each apply and how many ran at once. */
function observed(storage: Storage, delayMs = 0): Storage & { batches: Change[][]; maxConcurrent: number } {
  let running = 0;
  const self = {
    name: storage.name,
    batches: [] as Change[][],
    maxConcurrent: 0,
    async apply(changes: readonly Change[]) {
      running++;
      self.maxConcurrent = Math.max(self.maxConcurrent, running);
      self.batches.push([...changes]);
      try {
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        await storage.apply(changes);
      } finally {
        running--;
      }
    },
    readAll: () => storage.readAll(),
    flush: () => storage.flush(),
    health: () => storage.health(),
    close: () => storage.close(),
  };
  return self;
}

describe('SyncPipeline', () => {
  let storage: Storage;
  beforeEach(() => {
    storage = createStorage('memory');
  });
  afterEach(() => storage.close());

  it('writes the first snapshot, then becomes ready', async () => {
    const metrics = new SidecarMetrics();
    const p = new SyncPipeline({ storage, metrics, log, translate: toyTranslate }, WrittenIndex.empty());
    expect(p.ready).toBe(false);
    p.submit(snapshot(3, 'v1'));
    await p.whenIdle();
    expect(p.ready).toBe(true);
    const state = await storage.readAll();
    expect([...(state.get('upstreams')?.keys() ?? [])].sort()).toEqual(['u-svc-0', 'u-svc-1', 'u-svc-2']);
    expect(state.get('routes')?.size).toBe(3);
    expect(p.applied?.changes).toBe(6);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/amesh_apisix_resources\{kind="upstreams"\} 3/);
    expect(text).toMatch(/amesh_xds_pushes_total\{type="cds"\} 1/);
    expect(text).toMatch(/amesh_push_to_applied_seconds_count 1/);
  });

  it('writes one object for one endpoint change', async () => {
    const s = observed(storage);
    const p = new SyncPipeline({ storage: s, metrics: new SidecarMetrics(), log, translate: toyTranslate }, WrittenIndex.empty());
    p.submit(snapshot(100, 'v1'));
    await p.whenIdle();
    p.submit(snapshot(100, 'v2', { 42: ['10.9.9.9'] }));
    await p.whenIdle();
    expect(s.batches).toHaveLength(2);
    expect(s.batches[1].map((c) => `${c.op} ${c.kind}/${c.id}`)).toEqual(['put upstreams/u-svc-42']);
  });

  it('never applies twice at once and coalesces what arrives meanwhile (latest wins)', async () => {
    const s = observed(storage, 30);
    let translations = 0;
    const p = new SyncPipeline(
      { storage: s, metrics: new SidecarMetrics(), log, translate: (x) => (translations++, toyTranslate(x)) },
      WrittenIndex.empty(),
    );
    p.submit(snapshot(5, 'v1'));
    for (let v = 2; v <= 6; v++) p.submit(snapshot(5, `v${v}`, { 0: [`10.1.0.${v}`] }));
    await p.whenIdle();
    expect(s.maxConcurrent).toBe(1);
    expect(translations).toBe(2);
    const u0 = (await storage.readAll()).get('upstreams')?.get('u-svc-0') as unknown as { nodes: { host: string }[] };
    expect(u0.nodes[0].host).toBe('10.1.0.6');
    expect(p.applied?.versions[TypeUrl.Cluster]).toBe('v6');
  });

  it('keeps the last good state when translation throws, and recovers on the next snapshot', async () => {
    const p = new SyncPipeline(
      {
        storage,
        metrics: new SidecarMetrics(),
        log,
        translate: (x) => {
          if (x.clusters.length === 2) throw new Error('boom');
          return toyTranslate(x);
        },
      },
      WrittenIndex.empty(),
    );
    p.submit(snapshot(3, 'v1'));
    await p.whenIdle();
    p.submit(snapshot(2, 'v2'));
    await p.whenIdle();
    expect(p.lastError).toMatchObject({ stage: 'translate', message: 'boom' });
    expect((await storage.readAll()).get('upstreams')?.size).toBe(3);
    expect(p.writtenState.count('upstreams')).toBe(3);
    p.submit(snapshot(4, 'v3'));
    await p.whenIdle();
    expect(p.lastError).toBeUndefined();
    expect((await storage.readAll()).get('upstreams')?.size).toBe(4);
  });

  it('writes the valid objects and keeps going when storage refuses an invalid one', async () => {
    const p = new SyncPipeline(
      {
        storage,
        metrics: new SidecarMetrics(),
        log,
        translate: (x) => {
          const r = toyTranslate(x);
          // Port 0 is outside APISIX's schema for upstream nodes.
          r.config.upstreams[0].nodes[0].port = 0;
          return r;
        },
      },
      WrittenIndex.empty(),
    );
    p.submit(snapshot(2, 'v1'));
    await p.whenIdle();
    expect(p.ready).toBe(true);
    expect(p.lastError?.message).toMatch(/u-svc-0/);
    const state = await storage.readAll();
    expect(state.get('upstreams')?.has('u-svc-1')).toBe(true);
    expect(state.get('upstreams')?.has('u-svc-0')).toBe(false);
    expect(p.writtenState.get('upstreams', 'u-svc-0')).toBeUndefined();
  });

  it('refuses to publish an empty world over a configuration', async () => {
    const p = new SyncPipeline({ storage, metrics: new SidecarMetrics(), log, translate: toyTranslate }, WrittenIndex.empty());
    p.submit(snapshot(2, 'v1'));
    await p.whenIdle();
    p.submit({ resources: refsOf(emptyXdsResources()), versions: {}, received: [] });
    await p.whenIdle();
    expect(p.lastError?.stage).toBe('guard');
    expect((await storage.readAll()).get('routes')?.size).toBe(2);
  });

  it('refuses a snapshot that translates to nothing (listeners left, every cluster withdrawn)', async () => {
    const p = new SyncPipeline({ storage, metrics: new SidecarMetrics(), log, translate: toyTranslate }, WrittenIndex.empty());
    p.submit(snapshot(2, 'v1'));
    await p.whenIdle();
    const listenersOnly = emptyXdsResources();
    listenersOnly.listeners.push(create(ListenerSchema, { name: '0.0.0.0_80' }));
    p.submit({ resources: refsOf(listenersOnly), versions: {}, received: [] });
    await p.whenIdle();
    expect(p.lastError).toMatchObject({ stage: 'guard', message: expect.stringMatching(/translates to an empty configuration/) });
    expect((await storage.readAll()).get('upstreams')?.size).toBe(2);
    // Removing part of the mesh is fine.
    p.submit(snapshot(1, 'v2'));
    await p.whenIdle();
    expect((await storage.readAll()).get('upstreams')?.size).toBe(1);
  });

  it('resumes from what storage holds: a restart with the same snapshot writes nothing', async () => {
    const first = new SyncPipeline({ storage, metrics: new SidecarMetrics(), log, translate: toyTranslate }, WrittenIndex.empty());
    first.submit(snapshot(10, 'v1'));
    await first.whenIdle();
    const s = observed(storage);
    const second = new SyncPipeline(
      { storage: s, metrics: new SidecarMetrics(), log, translate: toyTranslate },
      WrittenIndex.fromStored(await storage.readAll()),
    );
    expect(second.writtenState.size).toBe(20);
    expect(second.ready).toBe(false);
    second.submit(snapshot(10, 'v1'));
    await second.whenIdle();
    expect(s.batches).toEqual([]);
    expect(second.ready).toBe(true);
  });
});
