import * as os from 'node:os';
import * as path from 'node:path';
import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, RouteConfigurationSchema, SecretSchema, TypeUrl, UpstreamTlsContextSchema } from '@amesh/proto';
import { createStorage, type Storage } from '@amesh/storage';
import {
  createTranslator,
  emptyApisixConfig,
  emptyXdsResources,
  refsOf,
  upstreamIdFor,
  type PortMatch,
  type TranslateResult,
  type XdsRefs,
  type XdsResources,
} from '@amesh/translator';
import { loadXdsPaths } from '@amesh/translator/loader';
import type { AdsClientStatus, XdsSnapshot } from '@amesh/transport';
import pino from 'pino';
import { SidecarMetrics } from '../observability/sidecar-metrics.js';
import { WrittenIndex } from '../pipeline/config-diff.js';
import { SyncPipeline } from '../pipeline/sync-pipeline.js';
import { startStatusServer, type StatusServer, type StatusServerOptions, type StatusSource } from './status-server.js';

const log = pino({ level: 'silent' });
const CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';
/** Stand-ins for key material: what must never appear in a dump. */
const KEY_PEM = `-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL${'k'.repeat(100)}\n-----END PRIVATE KEY-----\n`;
const CERT_PEM = `-----BEGIN CERTIFICATE-----\nPUBLIC-CERT${'c'.repeat(100)}\n-----END CERTIFICATE-----\n`;
const TLS_CLUSTER = 'outbound|443||mtls.default.svc.cluster.local';

const inline = (text: string) => ({ specifier: { case: 'inlineBytes' as const, value: new TextEncoder().encode(text) } });

/** A snapshot carrying private keys: an SDS secret and a cluster whose TLS context holds one inline (in an Any). */
function snapshotWithKeys(): XdsSnapshot {
  return snapshot((r) => {
  r.secrets.push(
    create(SecretSchema, {
      name: 'default',
      type: { case: 'tlsCertificate', value: { certificateChain: inline(CERT_PEM), privateKey: inline(KEY_PEM), password: { specifier: { case: 'inlineString', value: 'hunter2' } } } },
    }),
  );
  const tls = create(UpstreamTlsContextSchema, {
    sni: 'mtls.default.svc.cluster.local',
    commonTlsContext: { tlsCertificates: [{ certificateChain: inline(CERT_PEM), privateKey: { specifier: { case: 'inlineString', value: KEY_PEM } } }] },
  });
  r.clusters.push(
    create(ClusterSchema, { name: TLS_CLUSTER, transportSocket: { name: 'envoy.transport_sockets.tls', configType: { case: 'typedConfig', value: anyPack(UpstreamTlsContextSchema, tls) } } }),
  );
  });
}

function snapshot(extend: (r: XdsResources) => void = () => undefined): XdsSnapshot {
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
  extend(resources);
  return {
    resources: refsOf(resources),
    versions: { [TypeUrl.Cluster]: 'c1', [TypeUrl.RouteConfiguration]: 'r1' },
    received: [
      { typeUrl: TypeUrl.Cluster, name: CLUSTER, version: 'c1' },
      { typeUrl: TypeUrl.RouteConfiguration, name: '9080', version: 'r1' },
    ],
  };
}

/** Stand-in translator: one upstream per cluster, one route for reviews. */
function toyTranslate(xds: XdsRefs): TranslateResult {
  const config = emptyApisixConfig();
  for (const c of xds.clusters) config.upstreams.push({ id: upstreamIdFor(c.name), name: c.name, type: 'roundrobin', nodes: [{ host: '10.0.0.1', port: 9080, weight: 1 }] });
  for (const secret of xds.secrets) config.ssls.push({ id: `ssl-${secret.name}`, type: 'client', cert: CERT_PEM, key: KEY_PEM, certs: [CERT_PEM], keys: [KEY_PEM] });
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

/** A pipeline on memory storage and a status server over it, on a real socket. */
async function statusFixture(
  translate: (xds: XdsRefs) => TranslateResult,
  portMatch: PortMatch,
  host = '127.0.0.1',
  options: StatusServerOptions = {},
): Promise<{ storage: Storage; metrics: SidecarMetrics; pipeline: SyncPipeline; server: StatusServer; close(): Promise<void> }> {
  const storage = createStorage('memory');
  const metrics = new SidecarMetrics();
  const pipeline = new SyncPipeline({ storage, metrics, log, translate }, WrittenIndex.empty());
  const source: StatusSource = {
    pipeline,
    metrics,
    xdsStatus: () => xdsStatus,
    storageHealth: () => storage.health(),
    describe: { xds: 'grpc://127.0.0.1:1', storage: 'memory', startedAt: Date.now() },
    portMatch,
  };
  const server = await startStatusServer(source, host, 0, log, options);
  return {
    storage,
    metrics,
    pipeline,
    server,
    close: async () => {
      await server.close();
      await storage.close();
    },
  };
}

describe('status server', () => {
  let storage: Storage;
  let pipeline: SyncPipeline;
  let server: StatusServer;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ storage, pipeline, server, close } = await statusFixture(toyTranslate, 'capture'));
  });
  afterEach(() => close());

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

  it('redacts private keys in the dump, APISIX ssls and xDS secrets and inline TLS alike, without touching the snapshot', async () => {
    const withKeys = snapshotWithKeys();
    pipeline.submit(withKeys);
    await pipeline.whenIdle();
    expect(pipeline.lastError).toBeUndefined();
    expect(pipeline.writtenState.toLists().ssls[0]).toMatchObject({ key: KEY_PEM });
    const text = (await get('/debug/config_dump')).text;
    const encodedKey = Buffer.from(KEY_PEM).toString('base64');
    for (const secret of ['TOP-SECRET-KEY-MATERIAL', 'PRIVATE KEY', encodedKey, 'hunter2']) expect(text).not.toContain(secret);
    const dump = JSON.parse(text);
    const redactedBytes = Buffer.from('[redacted]').toString('base64');
    expect(dump.apisix.ssls).toEqual([
      { id: 'ssl-default', type: 'client', cert: CERT_PEM, key: '[redacted]', certs: [CERT_PEM], keys: ['[redacted]'] },
    ]);
    const secret = dump.xds.resources.find((r: { type_url: string }) => r.type_url === TypeUrl.Secret).resource;
    expect(secret.tls_certificate).toEqual({
      certificate_chain: { inline_bytes: Buffer.from(CERT_PEM).toString('base64') },
      private_key: { inline_bytes: redactedBytes },
      password: { inline_string: '[redacted]' },
    });
    const cluster = dump.xds.resources.find((r: { name: string }) => r.name === TLS_CLUSTER).resource;
    expect(cluster.transport_socket.typed_config.common_tls_context.tls_certificates[0].private_key).toEqual({ inline_string: '[redacted]' });
    expect(cluster.transport_socket.typed_config.sni).toBe('mtls.default.svc.cluster.local');
    // The redaction works on copies: what the agent holds is intact.
    const held = pipeline.snapshot!.resources.secrets[0].type;
    expect(held.case === 'tlsCertificate' && new TextDecoder().decode(held.value.privateKey?.specifier.value as Uint8Array)).toBe(KEY_PEM);
    expect(pipeline.writtenState.toLists().ssls[0]).toMatchObject({ key: KEY_PEM, keys: [KEY_PEM] });
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

  it('answers 404 for unknown paths and 405 for writes, and lists its endpoints with the explain parameters', async () => {
    expect((await get('/nope')).status).toBe(404);
    const res = await fetch(`${server.url}/status`, { method: 'POST' });
    expect(res.status).toBe(405);
    const index = JSON.parse((await get('/')).text);
    expect(index.endpoints).toContain('/debug/explain?host=&path=&port=&direction=inbound|outbound');
  });
});

describe('status server /debug/explain uses the configured port matching', () => {
  const BOOKINFO = path.join(__dirname, '../../../../examples/bookinfo/xds.yaml');
  const custom: PortMatch = { mode: 'capture', ports: { outbound: 15101, inbound: 15106 } };
  const q = '/debug/explain?host=reviews&path=/reviews/1&port=9080&header.end-user=tester';

  /** The example mesh translated with --capture-ports 15101,15106, explained as `explainAs`. */
  const explainOnBookinfo = async (explainAs: PortMatch, query: string) => {
    const { resources } = await loadXdsPaths([BOOKINFO]);
    const f = await statusFixture(createTranslator({ portMatch: custom }).translateRefs, explainAs);
    try {
      f.pipeline.submit({ resources: refsOf(resources), versions: {}, received: [] });
      await f.pipeline.whenIdle();
      return JSON.parse(await (await fetch(`${f.server.url}${query}`)).text());
    } finally {
      await f.close();
    }
  };

  it('matches as nginx does behind the configured capture ports, by direction', async () => {
    const served = await explainOnBookinfo(custom, q);
    expect(served).toMatchObject({ served: true, request: { direction: 'outbound' }, envoy: { route: { name: 'reviews-testers' } } });
    expect(served.apisix.route.vars).toEqual(expect.arrayContaining([['server_port', '==', 15101]]));
    // The example mesh has no inbound listener: an inbound request is served by nothing.
    expect(await explainOnBookinfo(custom, `${q}&direction=inbound`)).toMatchObject({ served: false, request: { direction: 'inbound' } });
    // With the default ports the same routes never match: the server must use what it was given.
    expect((await explainOnBookinfo('capture', q)).served).toBe(false);
  });
});

describe('status server /debug/* from remote clients', () => {
  /** A non-loopback address of this host: connecting to it from here makes a non-loopback peer. */
  const external = Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a && !a.internal && a.family === 'IPv4')?.address;

  const fetchFrom = async (url: string, p: string) => {
    const res = await fetch(`${url}${p}`);
    return { status: res.status, body: await res.text() };
  };

  it.each([
    ['loopback only by default', {}, 403],
    ['served with --debug-remote', { debugRemote: true }, 200],
  ])('%s; /healthz/ready, /status and /metrics always', async (_label, options: StatusServerOptions, debugStatus) => {
    if (!external) throw new Error('this test needs a non-loopback IPv4 address on the host (none in os.networkInterfaces())');
    const f = await statusFixture(toyTranslate, 'capture', '0.0.0.0', options);
    try {
      f.pipeline.submit(snapshot());
      await f.pipeline.whenIdle();
      const remote = `http://${external}:${f.server.port}`;
      for (const p of ['/healthz/ready', '/status', '/metrics']) expect((await fetchFrom(remote, p)).status).toBe(200);
      for (const p of ['/debug/config_dump', '/debug/explain?host=reviews&path=/x&port=9080']) {
        const res = await fetchFrom(remote, p);
        expect(res.status).toBe(debugStatus);
        if (debugStatus === 403) expect(JSON.parse(res.body).error).toMatch(/loopback clients only.*--debug-remote \(AMESH_DEBUG_REMOTE=true\)/);
        // Loopback clients are always served.
        expect((await fetchFrom(f.server.url, p)).status).toBe(200);
      }
    } finally {
      await f.close();
    }
  });
});
