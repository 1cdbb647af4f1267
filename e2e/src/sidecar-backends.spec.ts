import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { XdsResources } from '@amesh/translator';
import { AdsFixture } from './support/ads-fixture.js';
import { etcdBackend, shdictBackend, yamlBackend, type BackendFixture } from './support/backends.js';
import { countObjects, translatedLists, waitForLists, type ObjectLists } from './support/mesh-files.js';
import { generatedMesh, withEndpointIp, withoutService } from './support/meshes.js';
import { SidecarProcess } from './support/sidecar-process.js';

const backends: [string, () => Promise<BackendFixture>][] = [
  ['yaml file', yamlBackend],
  ['etcd', etcdBackend],
  ['nginx shared dict', shdictBackend],
];

describe.each(backends)('amesh-sidecar run -> %s', (_label, startBackend) => {
  let tmp: string;
  let backend: BackendFixture;
  let ads: AdsFixture;
  let sidecar: SidecarProcess | undefined;
  let n = 0;
  const base = generatedMesh(15);
  let current: XdsResources = base;

  const expected = (resources: XdsResources): Promise<ObjectLists> => translatedLists(resources, path.join(tmp, `mesh-${n++}`));
  const converged = (want: ObjectLists) => waitForLists(`${backend.label} to hold amesh-translate's output`, () => backend.read(), want, 20_000);

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-backend-'));
    backend = await startBackend();
    ads = await AdsFixture.start(base);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await ads?.kill();
    await backend?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('writes exactly what amesh-translate makes of the same input', async () => {
    sidecar = await SidecarProcess.start(['--xds', ads.url, '--storage', backend.spec]);
    await sidecar.waitReady();
    const want = await expected(base);
    expect(countObjects(want)).toBeGreaterThan(15);
    await converged(want);
  });

  it('converges after an endpoint change (one object) and a removed service', async () => {
    const s = sidecar!;
    const before = await s.metric('amesh_storage_changes_total');
    current = withEndpointIp(base, 4, 0, '10.201.0.4');
    ads.push(current);
    await converged(await expected(current));
    expect((await s.metric('amesh_storage_changes_total')) - before).toBe(1);
    current = withoutService(current, 9);
    ads.push(current);
    await converged(await expected(current));
  });

  it('after a crash, restarts from what storage holds without publishing an empty configuration', async () => {
    const held = await backend.read();
    expect(await sidecar!.stop('SIGKILL')).toBeNull();
    await ads.kill();
    sidecar = await SidecarProcess.start(['--xds', ads.url, '--storage', backend.spec]);
    // No control plane: not ready, and storage keeps what it had.
    await new Promise((r) => setTimeout(r, 800));
    expect(await sidecar.ready()).toBe(false);
    expect(await backend.read()).toEqual(held);
    await ads.resume();
    await sidecar.waitReady();
    await converged(await expected(current));
    expect(await backend.read()).toEqual(held);
    if (backend.durable) {
      // The baseline came from storage: the same snapshot changes nothing.
      expect(await sidecar.metric('amesh_storage_changes_total')).toBe(0);
    }
  });

  it('exits 0 on SIGTERM with storage flushed', async () => {
    current = withEndpointIp(current, 1, 1, '10.201.0.1');
    ads.push(current);
    const want = await expected(current);
    await converged(want);
    expect(await sidecar!.stop('SIGTERM')).toBe(0);
    sidecar = undefined;
    expect(await backend.read()).toEqual(want);
  });
});
