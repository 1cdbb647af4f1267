import * as path from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';
import { PUSH_ORDER, TypeUrl, type DiscoveryRequest, type XdsTypeUrl } from '@amesh/proto';
import { loadXdsPaths } from '@amesh/translator/loader';
import { AdsClient } from '../src/ads-client.js';
import { edsServiceName, listenerRouteNames, RESOURCE_TYPES } from '../src/resource-types.js';
import { cla, edsCluster, eventually, rdsListener, routeConfig } from './fixtures.js';
import { ScriptedAdsServer } from './scripted-server.js';

const NODE = { id: 'sidecar~10.1.1.1~app-1.default~default.svc.cluster.local' };
const ISTIO = path.join(__dirname, '..', '..', '..', 'testdata', 'xds', 'istio');

const packCluster = (name: string): Any => create(AnySchema, { typeUrl: TypeUrl.Cluster, value: toBinary(RESOURCE_TYPES[0]!.schema, edsCluster(name) as never) });

describe('AdsClient against a scripted SotW server', () => {
  let server: ScriptedAdsServer | undefined;
  let client: AdsClient | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
    client = server = undefined;
  });

  it('NACKs duplicate names with the last good version, sends node only first, ACKs with the response version', async () => {
    server = new ScriptedAdsServer((req, send) => {
      if (req.typeUrl === TypeUrl.Cluster && req.responseNonce === '') send({ typeUrl: TypeUrl.Cluster, versionInfo: 'v1', nonce: 'n1', resources: [packCluster('a')] });
      if (req.typeUrl === TypeUrl.Cluster && req.responseNonce === 'n1') {
        send({ typeUrl: TypeUrl.Cluster, versionInfo: 'v2', nonce: 'n2', resources: [packCluster('a'), packCluster('b'), packCluster('b')] });
      }
    });
    const port = await server.listen();
    client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE, protocol: 'sotw', doesNotExistTimeoutMs: 200 }).start();
    const cds = (): DiscoveryRequest[] => server!.requests.filter((r) => r.typeUrl === TypeUrl.Cluster);
    await eventually(() => cds().some((r) => r.responseNonce === 'n2'), 5000, 'answer to n2');
    const ack = cds().find((r) => r.responseNonce === 'n1')!;
    expect(ack.versionInfo).toBe('v1');
    expect(ack.errorDetail).toBeUndefined();
    const nack = cds().find((r) => r.responseNonce === 'n2')!;
    expect(nack.versionInfo).toBe('v1');
    expect(nack.errorDetail?.message).toMatch(/CDS b: duplicate name/);
    expect(nack.errorDetail?.code).toBe(3);
    expect(server.requests[0]!.node?.id).toBe(NODE.id);
    expect(server.requests.slice(1).every((r) => r.node === undefined)).toBe(true);
    expect(client.status().nacks[0]).toEqual(expect.objectContaining({ names: ['b'], keptVersion: 'v1' }));
  });

  it('marks a never-answered EDS name missing after the does-not-exist timeout and publishes', async () => {
    server = new ScriptedAdsServer((req, send) => {
      if (req.responseNonce !== '') return;
      if (req.typeUrl === TypeUrl.Cluster) send({ typeUrl: TypeUrl.Cluster, versionInfo: '1', nonce: 'c', resources: [packCluster('ghost')] });
      if (req.typeUrl === TypeUrl.Listener) send({ typeUrl: TypeUrl.Listener, versionInfo: '1', nonce: 'l', resources: [] });
    });
    const port = await server.listen();
    client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE, protocol: 'sotw', doesNotExistTimeoutMs: 300 }).start();
    await eventually(() => server!.requests.some((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment), 5000, 'EDS request');
    expect(server.requests.find((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment)!.resourceNames).toEqual(['ghost']);
    const started = Date.now();
    const snapshot = await eventually(() => client!.snapshot(), 5000, 'snapshot after timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(snapshot.resources.clusters.map((c) => c.name)).toEqual(['ghost']);
    expect(snapshot.resources.clusterLoadAssignments).toEqual([]);
  });

  it('keeps EDS/RDS resources absent from a SotW response, but deletes absent clusters', async () => {
    let step = 0;
    server = new ScriptedAdsServer((req, send) => {
      const pack = (typeUrl: XdsTypeUrl, msgs: unknown[]): Any[] => {
        const type = RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl)!;
        return msgs.map((m) => create(AnySchema, { typeUrl, value: toBinary(type.schema, m as never) }));
      };
      if (req.responseNonce !== '' || step > 10) return;
      step++;
      if (req.typeUrl === TypeUrl.Cluster) send({ typeUrl: req.typeUrl, versionInfo: '1', nonce: 'c1', resources: pack(TypeUrl.Cluster, [edsCluster('x'), edsCluster('y')]) });
      if (req.typeUrl === TypeUrl.ClusterLoadAssignment) send({ typeUrl: req.typeUrl, versionInfo: '1', nonce: 'e1', resources: pack(TypeUrl.ClusterLoadAssignment, [cla('x', ['10.0.0.1']), cla('y', ['10.0.0.2'])]) });
      if (req.typeUrl === TypeUrl.Listener) send({ typeUrl: req.typeUrl, versionInfo: '1', nonce: 'l1', resources: pack(TypeUrl.Listener, [rdsListener('l', 80, 'r')]) });
      if (req.typeUrl === TypeUrl.RouteConfiguration) send({ typeUrl: req.typeUrl, versionInfo: '1', nonce: 'r1', resources: pack(TypeUrl.RouteConfiguration, [routeConfig('r', 'x')]) });
    });
    const port = await server.listen();
    client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE, protocol: 'sotw' }).start();
    await eventually(() => client!.snapshot()?.resources.clusters.length === 2, 5000, 'initial');
    const type = (t: XdsTypeUrl) => RESOURCE_TYPES.find((r) => r.typeUrl === t)!;
    // An EDS response with only y: x's endpoints stay. A CDS response with only x: y goes.
    server.push({ typeUrl: TypeUrl.ClusterLoadAssignment, versionInfo: '2', nonce: 'e2', resources: [create(AnySchema, { typeUrl: TypeUrl.ClusterLoadAssignment, value: toBinary(type(TypeUrl.ClusterLoadAssignment).schema, cla('y', ['10.0.0.3']) as never) })] });
    await eventually(() => client!.snapshot()!.resources.clusterLoadAssignments.some((c) => c.name === 'y' && JSON.stringify(c.message().endpoints).includes('10.0.0.3')), 5000, 'EDS update');
    expect(client.snapshot()!.resources.clusterLoadAssignments.map((c) => c.name).sort()).toEqual(['x', 'y']);
    server.push({ typeUrl: TypeUrl.Cluster, versionInfo: '2', nonce: 'c2', resources: [packCluster('x')] });
    await eventually(() => client!.snapshot()!.resources.clusters.length === 1, 5000, 'CDS deletion');
    expect(client.snapshot()!.resources.clusterLoadAssignments.map((c) => c.name)).toEqual(['x']);
    await eventually(() => server!.requests.some((r) => r.typeUrl === TypeUrl.ClusterLoadAssignment && r.resourceNames.join() === 'x'), 5000, 'EDS unsubscribe of y');
  });

  it('replays an istiod-style exchange from testdata/xds/istio in push order CDS, EDS, LDS, RDS', async () => {
    const loaded = await loadXdsPaths([ISTIO]);
    // istiod sends what the dumps show as xDS-delivered (dynamic), not the proxies' bootstrap
    // resources; the dumps hold no dynamic routes, so their named static ones stand in for RDS.
    const dynamic = new Set(loaded.sources.flatMap((s) => s.resources.filter((r) => r.origin !== 'static' && r.name).map((r) => `${r.kind}/${r.name}`)));
    const resources = { ...loaded.resources };
    const byType = new Map<string, { name: string; any: Any }[]>();
    for (const type of RESOURCE_TYPES) {
      const kind = type.schema.name;
      const name = (m: unknown): string => type.nameOf(m as never);
      const kept = loaded.resources[type.key].filter((m) => dynamic.has(`${kind}/${name(m)}`) || (type.key === 'routeConfigurations' && name(m)));
      (resources as Record<string, unknown[]>)[type.key] = kept;
      byType.set(type.typeUrl, kept.map((m) => ({ name: type.nameOf(m as never), any: create(AnySchema, { typeUrl: type.typeUrl, value: toBinary(type.schema, m as never) }) })));
    }
    // The recording: one full push, as istiod sends it after a connect, in push order.
    const recording = PUSH_ORDER.slice(0, 4).map((typeUrl, i) => ({
      typeUrl,
      versionInfo: '2026-11-29T00:00:00Z/7',
      nonce: `n${i}`,
      resources: (byType.get(typeUrl) ?? []).map((r) => r.any),
    }));
    server = new ScriptedAdsServer((_req, send) => {
      if (server!.requests.length === 1) for (const res of recording) send(res);
    });
    const port = await server.listen();
    client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE, protocol: 'sotw', doesNotExistTimeoutMs: 300 }).start();
    const snapshot = await eventually(() => client!.snapshot(), 10000, 'snapshot of the recorded exchange');
    // Every recorded response was ACKed with its own version and nonce.
    for (const res of recording) {
      const ack = server.requests.find((r) => r.responseNonce === res.nonce);
      expect(ack).toEqual(expect.objectContaining({ typeUrl: res.typeUrl, versionInfo: res.versionInfo }));
      expect(ack!.errorDetail).toBeUndefined();
    }
    expect(recording.map((r) => r.resources.length > 0)).toEqual([true, true, true, true]);
    expect(client.status().nacks).toEqual([]);
    expect(snapshot.resources.clusters.length).toBe(resources.clusters.length);
    expect(snapshot.resources.listeners.length).toBe(resources.listeners.length);
    // Every EDS cluster whose endpoints the recording has got them.
    const recorded = new Set(resources.clusterLoadAssignments.map((c) => c.clusterName));
    const got = new Set(snapshot.resources.clusterLoadAssignments.map((c) => c.name));
    const edsNames = snapshot.resources.clusters.flatMap((c) => edsServiceName(c.message()) ?? []);
    expect(edsNames.length).toBeGreaterThan(0);
    for (const name of edsNames) expect(got.has(name)).toBe(recorded.has(name));
    const routeNames = snapshot.resources.listeners.flatMap(listenerRouteNames);
    expect(routeNames.length).toBeGreaterThan(0);
    const recordedRoutes = new Set(resources.routeConfigurations.map((r) => r.name));
    const gotRoutes = new Set(snapshot.resources.routeConfigurations.map((r) => r.name));
    for (const name of routeNames) expect(gotRoutes.has(name)).toBe(recordedRoutes.has(name));
  });
});
