import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EtcdServer, waitUntil } from '@amesh/storage/testing';
import { AdsFixture } from './support/ads-fixture.js';
import { readEtcd } from './support/backends.js';
import { translatedLists, waitForLists, type ObjectLists } from './support/mesh-files.js';
import { generatedMesh, withEndpointIp } from './support/meshes.js';
import { SidecarProcess } from './support/sidecar-process.js';

interface Status {
  ready: boolean;
  storage: { healthy: boolean; pending: number; lastError?: string };
}

describe('amesh-sidecar run (state-of-the-world) -> etcd that goes down and comes back', () => {
  let tmp: string;
  let etcd: EtcdServer;
  let ads: AdsFixture;
  let sidecar: SidecarProcess;
  const base = generatedMesh(8);

  const read = (): Promise<ObjectLists> => readEtcd(etcd.endpoint);
  const expected = (name: string, mesh: typeof base) => translatedLists(mesh, path.join(tmp, name));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-etcd-'));
    etcd = await EtcdServer.start();
    ads = await AdsFixture.start(base);
    sidecar = await SidecarProcess.start(['--xds', ads.url, '--protocol', 'sotw', '--storage', `etcd://${etcd.endpoint}/apisix`]);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await ads?.kill();
    await etcd?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('syncs over SotW ADS', async () => {
    await sidecar.waitReady();
    const want = await expected('base', base);
    await waitForLists('etcd to hold the mesh', read, want, 20_000);
  });

  it('keeps retrying while etcd is down, stays ready, and converges once it is back', async () => {
    const before = await read();
    await etcd.pause();
    const next = withEndpointIp(base, 2, 0, '10.202.0.2');
    ads.push(next);
    await waitUntil('storage to report the outage', async () => (await sidecar.json<Status>('/status')).storage.healthy === false || undefined, 30_000);
    const during = await sidecar.json<Status>('/status');
    expect(during.ready).toBe(true);
    expect(during.storage.pending).toBeGreaterThan(0);
    expect(await sidecar.metric('amesh_storage_retries_total')).toBeGreaterThan(0);
    await etcd.resume();
    const want = await expected('next', next);
    await waitForLists('the queued change to reach etcd', read, want, 60_000);
    expect(want).not.toEqual(before);
    await waitUntil('storage to be healthy again', async () => (await sidecar.json<Status>('/status')).storage.healthy || undefined, 30_000);
  });

  it('exits 0 on SIGTERM', async () => {
    expect(await sidecar.stop()).toBe(0);
  });
});
