import { create } from '@bufbuild/protobuf';
import { ClusterSchema, RouteConfigurationSchema, TypeUrl } from '@amesh/proto';
import { createStorage, type Storage } from '@amesh/storage';
import { emptyApisixConfig, emptyXdsResources, upstreamIdFor, type TranslateResult, type XdsResources } from '@amesh/translator';
import type { AdsClientStatus, XdsSnapshot } from '@amesh/transport';
import pino from 'pino';
import { SidecarMetrics } from '../observability/sidecar-metrics.js';
import { WrittenIndex } from '../pipeline/config-diff.js';
import { SyncPipeline } from '../pipeline/sync-pipeline.js';
import { startStatusServer, type StatusServer } from './status-server.js';

const log = pino({ level: 'silent' });
const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

function snapshot(): XdsSnapshot {
  const resources = emptyXdsResources();
  resources.clusters.push(create(ClusterSchema, { name: CLUSTER }), create(ClusterSchema, { name: 'outbound|80||other' }));
  resources.routeConfigurations.push(
    create(RouteConfigurationSchema, {
      name: '9080',
      virtualHosts: [
        {
          name: 'reviews:9080',
          domains: ['reviews'],
          routes: [
            {
              name: 'default',
              match: { pathSpecifier: { case: 'prefix', value: '/' } },
              action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: CLUSTER } } },
            },
          ],
        },
      ],
    }),
  );
  return {
    resources,
    versions: { [TypeUrl.Cluster]: 'c1', [TypeUrl.RouteConfiguration]: 'r1' },
    received: [
      { typeUrl: TypeUrl.Cluster, name: CLUSTER, version: 'c1' },
      { typeUrl: TypeUrl.RouteConfiguration, name: '9080', version: 'r1' },
    ],
  };
}

/** Stand-in translator: one upstream per cluster, one route for reviews. */
function toyTranslate(xds: XdsResources): TranslateResult {
  const config = emptyApisixConfig();
  for (const c of xds.clusters) config.upstreams.push({ id: upstreamIdFor(c.name), name: c.name, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 9080, weight: 1 }] });
  config.routes.push({ id: 'r-reviews', name: 'reviews-default', hosts: ['reviews'], uris: ['/*'], upstream_id: upstreamIdFor(CLUSTER) });
  return { config, report: [{ kind: 'Cluster', name: 'outbound|80||other', path: 'outlier_detection', severity: 'ignored', reason: 'not expressible' }] };
}

const xdsStatus: AdsClientStatus = {
  state: 'connected',
  protocol: 'delta',
  server: 'grpc://127.0.0.1:1',
  versions: { [TypeUrl.Cluster]: 'c1' },
  reconnects: 0,
  nacks: [{ at: 1, typeUrl: TypeUrl.Cluster, names: ['outbound|80||bad'], reason: 'port 70000 is outside 0-65535', keptVersion: 'c0' }],
};

describe('status server', () => {
  let storage: Storage;
  let pipeline: SyncPipeline;
  let server: StatusServer;
  let metrics: SidecarMetrics;
  beforeEach(async () => {
    storage = createStorage('memory');
    metrics = new SidecarMetrics();
    pipeline = new SyncPipeline({ storage, metrics, log, translate: toyTranslate }, WrittenIndex.empty());
    server = await startStatusServer(
      { pipeline, metrics, xdsStatus: () => xdsStatus, storageHealth: () => storage.health(), describe: { xds: 'grpc://127.0.0.1:1', storage: 'memory', startedAt: Date.now() } },
      '127.0.0.1',
      0,
      log,
    );
  });
  afterEach(async () => {
    await server.close();
    await storage.close();
  });

  const get = async (path: string) => {
    const res = await fetch(`${server.url}${path}`);
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
  };

  it('is not ready before the first snapshot is written, and ready after', async () => {
    const before = await get('/healthz/ready');
    expect(before.status).toBe(503);
    expect(before.text).toMatch(/no complete snapshot written yet/);
    pipeline.submit(snapshot());
    await pipeline.whenIdle();
    expect((await get('/healthz/ready')).status).toBe(200);
  });

  it('reports stream state, versions, storage health and object counts on /status', async () => {
    pipeline.submit(snapshot());
    await pipeline.whenIdle();
    const body = JSON.parse((await get('/status')).text);
    expect(body).toMatchObject({
      ready: true,
      xds: { state: 'connected', protocol: 'delta', versions: { [TypeUrl.Cluster]: 'c1' }, nacks: 1 },
      applied: { versions: { [TypeUrl.Cluster]: 'c1', [TypeUrl.RouteConfiguration]: 'r1' }, changes: 3 },
      storage: { spec: 'memory', backend: 'memory', healthy: true },
      objects: { routes: 1, upstreams: 2 },
    });
  });

  it('dumps xDS as received, APISIX as written, NACKs and the report, filterable by name', async () => {
    pipeline.submit(snapshot());
    await pipeline.whenIdle();
    const all = JSON.parse((await get('/debug/config_dump')).text);
    expect(all.xds.resources.map((r: { name: string }) => r.name)).toEqual([CLUSTER, 'outbound|80||other', '9080']);
    expect(all.xds.resources[0]).toMatchObject({ type_url: TypeUrl.Cluster, version: 'c1', resource: { name: CLUSTER } });
    expect(all.xds.resources[2].resource.virtual_hosts[0].domains).toEqual(['reviews']);
    expect(all.apisix.routes).toHaveLength(1);
    expect(all.nacks[0].reason).toMatch(/70000/);
    expect(all.report).toHaveLength(1);
    const one = JSON.parse((await get(`/debug/config_dump?name=${encodeURIComponent('reviews')}`)).text);
    expect(one.filter).toBe('reviews');
    expect(one.xds.resources.map((r: { name: string }) => r.name)).toEqual([CLUSTER]);
    expect(one.apisix.routes.map((r: { id: string }) => r.id)).toEqual(['r-reviews']);
    expect(one.apisix.upstreams.map((u: { name: string }) => u.name)).toEqual([CLUSTER]);
    expect(one.report).toEqual([]);
    expect(one.nacks).toEqual([]);
  });

  it('explains a request and rejects a bad one with 400', async () => {
    pipeline.submit(snapshot());
    await pipeline.whenIdle();
    const ok = JSON.parse((await get('/debug/explain?host=reviews&path=/x&port=9080')).text);
    expect(ok).toMatchObject({ served: true, apisix: { route: { id: 'r-reviews' } }, envoy: { route: { name: 'default', action: { cluster: CLUSTER } } } });
    const missing = JSON.parse((await get('/debug/explain?host=nope&path=/x')).text);
    expect(missing).toMatchObject({ served: false, reason: 'no virtual host for nope in any route configuration' });
    const bad = await get('/debug/explain?path=/x');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).error).toMatch(/missing "host"/);
  });

  it('serves Prometheus metrics', async () => {
    pipeline.submit(snapshot());
    await pipeline.whenIdle();
    const m = await get('/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/text\/plain/);
    expect(m.text).toMatch(/amesh_xds_pushes_total\{type="cds"\} 1/);
    expect(m.text).toMatch(/amesh_translate_duration_seconds_count 1/);
    expect(m.text).toMatch(/amesh_storage_changes_total\{op="put",kind="upstreams"\} 2/);
    expect(m.text).toMatch(/amesh_ready 1/);
  });

  it('answers 404 for unknown paths and 405 for writes', async () => {
    expect((await get('/nope')).status).toBe(404);
    const res = await fetch(`${server.url}/status`, { method: 'POST' });
    expect(res.status).toBe(405);
  });
});
