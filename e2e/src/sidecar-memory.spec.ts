import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { emptyXdsResources, type XdsResources } from '@amesh/translator';
import { waitUntil } from '@amesh/storage/testing';
import { AdsFixture } from './support/ads-fixture.js';
import { countObjects, normalizeLists, translatedLists, waitForLists, type ObjectLists } from './support/mesh-files.js';
import { DROPPED_HEADER, DROPPED_HOST, generatedMesh, withEndpointIp, withUntranslatableRoute } from './support/meshes.js';
import { SidecarProcess } from './support/sidecar-process.js';

interface Dump {
  apisix: ObjectLists;
  xds: { resources: { type_url: string; name: string; version?: string; resource: Record<string, unknown> }[] };
}

let tmp: string;
let n = 0;
/** amesh-translate of the same input, through files, as a user would run it. */
async function expected(resources: XdsResources): Promise<ObjectLists> {
  return translatedLists(resources, path.join(tmp, `mesh-${n++}`));
}

describe('amesh-sidecar run with memory storage (real ADS server -> real child process)', () => {
  let ads: AdsFixture;
  let sidecar: SidecarProcess;
  const base = withUntranslatableRoute(generatedMesh(20));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-memory-'));
    // The port is reserved but nothing serves it yet: the agent must stay unready.
    ads = await AdsFixture.start(base, { listen: false });
    sidecar = await SidecarProcess.start(['--xds', ads.url, '--storage', 'memory', '--log-level', 'debug']);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await ads?.kill();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const dump = () => sidecar.json<Dump>('/debug/config_dump');
  const written = async () => normalizeLists((await dump()).apisix);

  it('is not ready until the first complete snapshot is written, then ready', async () => {
    expect((await sidecar.get('/healthz/ready')).status).toBe(503);
    await new Promise((r) => setTimeout(r, 500));
    expect((await sidecar.get('/healthz/ready')).status).toBe(503);
    expect(countObjects(await written())).toBe(0);
    await ads.resume();
    await sidecar.waitReady();
    const status = await sidecar.json<{ ready: boolean; xds: { state: string } }>('/status');
    expect(status).toMatchObject({ ready: true, xds: { state: 'connected' } });
  });

  it('writes exactly what amesh-translate makes of the same input', async () => {
    const want = await expected(base);
    expect(want.routes.length).toBeGreaterThanOrEqual(20);
    expect(await written()).toEqual(want);
  });

  it('dumps the xDS resources as received, clusters and assignments decoded from the bytes it holds', async () => {
    const cluster = base.clusters[0]!;
    const cla = base.clusterLoadAssignments.find((c) => c.clusterName === cluster.name)!;
    const xds = (await sidecar.json<Dump>(`/debug/config_dump?name=${encodeURIComponent(cluster.name)}`)).xds.resources;
    const shown = (typeUrl: string) => xds.find((r) => r.type_url === typeUrl && r.name === cluster.name);
    expect(shown('type.googleapis.com/envoy.config.cluster.v3.Cluster')).toMatchObject({ version: expect.any(String), resource: { name: cluster.name } });
    const endpoints = shown('type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment');
    expect(endpoints?.resource).toMatchObject({ cluster_name: cla.clusterName });
    const ips = JSON.stringify(endpoints?.resource).match(/\d+\.\d+\.\d+\.\d+/g);
    const sent = cla.endpoints.flatMap((l) => l.lbEndpoints.map((e) => (e.hostIdentifier.case === 'endpoint' && e.hostIdentifier.value.address?.address.case === 'socketAddress' ? e.hostIdentifier.value.address.address.value.address : '')));
    expect(ips).toEqual(sent);
  });

  // Pushes (endpoint, weight, added/removed service, NACK) run against every backend, memory
  // included, from one table: sidecar-backends.spec.ts.

  it('explains a served, a missing and a dropped route', async () => {
    const served = await sidecar.json<{ served: boolean; apisix: { upstreams: { name: string; nodes: number }[] }; envoy: { route: { action: { cluster: string } } } }>(
      '/debug/explain?host=svc-1.ns-0.svc.cluster.local&path=/reviews/1&port=80',
    );
    expect(served.served).toBe(true);
    expect(served.envoy.route.action.cluster).toBe('outbound|80||svc-1.ns-0.svc.cluster.local');
    expect(served.apisix.upstreams[0]).toMatchObject({ nodes: 2 });

    const missing = await sidecar.json<{ served: boolean; reason: string }>('/debug/explain?host=nope.example&path=/&port=80');
    expect(missing).toMatchObject({ served: false, reason: 'no virtual host for nope.example:80 in any route configuration of port 80' });

    const dropped = await sidecar.json<{ served: boolean; reason: string }>(
      `/debug/explain?host=${DROPPED_HOST}&path=/x&port=80&header.${DROPPED_HEADER}=1`,
    );
    expect(dropped.served).toBe(false);
    expect(dropped.reason).toMatch(/^the xDS route was dropped by the translator: .*x\.custom/);
  });

  it('never publishes an empty configuration while the ADS server is killed and restarted', async () => {
    const before = await written();
    const deletesBefore = await sidecar.metric('amesh_storage_changes_total', { op: 'delete' });
    let smallest = countObjects(before);
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        smallest = Math.min(smallest, countObjects(await written()));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await ads.kill();
    await waitUntil('the agent to notice the lost stream', async () => (await sidecar.json<{ xds: { state: string } }>('/status')).xds.state !== 'connected' || undefined, 20_000);
    expect(await sidecar.ready()).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    await ads.resume();
    await waitUntil('the agent to reconnect', async () => (await sidecar.json<{ xds: { state: string } }>('/status')).xds.state === 'connected' || undefined, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    watching = false;
    await watcher;
    expect(smallest).toBe(countObjects(before));
    expect(await written()).toEqual(before);
    expect(await sidecar.metric('amesh_storage_changes_total', { op: 'delete' })).toBe(deletesBefore);
  });

  it('keeps the configuration when a restarted control plane comes back with nothing at all', async () => {
    const before = await written();
    await ads.kill();
    await ads.resume(emptyXdsResources());
    // The client backs off exponentially between attempts: allow for a long wait.
    await waitUntil('the agent to reconnect', () => ads.connectedClients() > 0 || undefined, 90_000);
    await waitUntil(
      'the agent to refuse the empty snapshot',
      async () => (await sidecar.json<{ last_error?: { stage: string } }>('/status')).last_error?.stage === 'guard' || undefined,
      15_000,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${JSON.stringify(await sidecar.json('/status'))}`);
    });
    expect(await written()).toEqual(before);
    expect(await sidecar.ready()).toBe(true);
    // And it follows the control plane again once it serves a mesh.
    const mesh = withEndpointIp(base, 11, 0, '10.200.0.11');
    ads.push(mesh);
    const want = await expected(mesh);
    await waitForLists('the agent to follow the control plane again', written, want, 20_000);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await sidecar.stop('SIGTERM')).toBe(0);
    expect(sidecar.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
