import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { XdsResources } from '@amesh/translator';
import { AdsFixture } from './support/ads-fixture.js';
import { etcdBackend, memoryBackend, shdictBackend, yamlBackend, type BackendFixture } from './support/backends.js';
import { countObjects, translatedLists, waitForLists, type ObjectLists } from './support/mesh-files.js';
import { generatedMesh, withEndpointIp } from './support/meshes.js';
import { PUSH_BASE_SERVICES, PUSH_SCENARIOS, runPushScenario } from './support/push-scenarios.js';
import { SidecarProcess } from './support/sidecar-process.js';

interface BackendCase {
  label: string;
  start: () => Promise<BackendFixture>;
  /** Storage outlives the agent (not memory): a restarted agent must find and keep what it wrote. */
  outlivesAgent: boolean;
}

const BACKENDS: BackendCase[] = [
  { label: 'memory', start: memoryBackend, outlivesAgent: false },
  { label: 'yaml file', start: yamlBackend, outlivesAgent: true },
  { label: 'etcd', start: etcdBackend, outlivesAgent: true },
  { label: 'nginx shared dict', start: shdictBackend, outlivesAgent: true },
];

let tmp: string;
let n = 0;
/**
 * amesh-translate's output for a mesh, once per distinct mesh: every backend walks the same
 * scenario sequence, so the reference is computed for the first and reused for the others.
 */
const references = new Map<string, Promise<ObjectLists>>();
function expected(resources: XdsResources): Promise<ObjectLists> {
  const key = createHash('sha256')
    .update(JSON.stringify(resources, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)))
    .digest('hex');
  let lists = references.get(key);
  if (!lists) references.set(key, (lists = translatedLists(resources, path.join(tmp, `mesh-${n++}`))));
  return lists;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-backend-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(BACKENDS)('amesh-sidecar run -> $label', ({ start, outlivesAgent }) => {
  let backend: BackendFixture;
  let ads: AdsFixture;
  let sidecar: SidecarProcess | undefined;
  const base = generatedMesh(PUSH_BASE_SERVICES);
  let current: XdsResources = base;

  const read = () => backend.read(sidecar);
  const converged = (want: ObjectLists) => waitForLists(`${backend.label} to hold amesh-translate's output`, read, want, 20_000);

  beforeAll(async () => {
    backend = await start();
    ads = await AdsFixture.start(base);
  });

  afterAll(async () => {
    await sidecar?.stop();
    await ads?.kill();
    await backend?.stop();
  });

  it('writes exactly what amesh-translate makes of the same input', async () => {
    sidecar = await SidecarProcess.start(['--xds', ads.url, '--storage', backend.spec]);
    await sidecar.waitReady();
    const want = await expected(base);
    expect(countObjects(want)).toBeGreaterThan(PUSH_BASE_SERVICES);
    await converged(want);
  });

  // One table for every backend (support/push-scenarios.ts), run in order on the same agent.
  it.each(PUSH_SCENARIOS.map((s) => [s.name, s] as const))('push: %s', async (_name, scenario) => {
    current = await runPushScenario(scenario, current, { ads, sidecar: sidecar!, read, expected });
  });

  if (outlivesAgent) {
    it('after a crash, restarts from what storage holds without publishing an empty configuration', async () => {
      const held = await read();
      expect(await sidecar!.stop('SIGKILL')).toBeNull();
      await ads.kill();
      sidecar = await SidecarProcess.start(['--xds', ads.url, '--storage', backend.spec]);
      // No control plane: not ready, and storage keeps what it had.
      await new Promise((r) => setTimeout(r, 800));
      expect(await sidecar.ready()).toBe(false);
      expect(await read()).toEqual(held);
      await ads.resume();
      await sidecar.waitReady();
      await converged(await expected(current));
      expect(await read()).toEqual(held);
      if (backend.durable) {
        // The baseline came from storage: the same snapshot changes nothing.
        expect(await sidecar.metric('amesh_storage_changes_total')).toBe(0);
      }
    });
  }

  it('exits 0 on SIGTERM with storage flushed', async () => {
    current = withEndpointIp(current, 1, 1, '10.201.0.1');
    ads.push(current);
    const want = await expected(current);
    await converged(want);
    expect(await sidecar!.stop('SIGTERM')).toBe(0);
    sidecar = undefined;
    // Memory storage dies with the agent; the others must hold the last push.
    if (outlivesAgent) expect(await backend.read()).toEqual(want);
  });
});
