import { waitUntil } from '@amesh/storage/testing';
import type { XdsResources } from '@amesh/translator';
import type { AdsFixture } from './ads-fixture.js';
import { waitForLists, type ObjectLists } from './mesh-files.js';
import { clusterName, withAddedService, withClusterConnectTimeout, withClusterIdleTimeout, withEndpointIp, withEndpointWeight, withInvalidEndpointPort, withoutService } from './meshes.js';
import type { SidecarProcess } from './sidecar-process.js';

/** Services of the mesh the push scenarios start from (generatedMesh(PUSH_BASE_SERVICES)). */
export const PUSH_BASE_SERVICES = 15;

/**
 * One control-plane push and what the agent must make of it. Scenarios run in table order, each on
 * the mesh the previous one left (a rejected push leaves it unchanged).
 */
export interface PushScenario {
  readonly name: string;
  /** The mesh the control plane serves next, from the current one. */
  next(current: XdsResources): XdsResources;
  /** Storage changes (puts + deletes) the push must cost, when that is exact. */
  readonly changes?: number;
  /** More checks once storage holds amesh-translate's output of the new mesh. */
  check?(held: ObjectLists, sidecar: SidecarProcess): Promise<void>;
  /** The push is invalid: the agent must NACK it (reason matching this) and keep what it wrote. */
  readonly rejected?: RegExp;
}

const svc = (i: number) => clusterName(i, 10).split('||')[1]!;

export const PUSH_SCENARIOS: readonly PushScenario[] = [
  { name: 'an endpoint change writes exactly one object', next: (m) => withEndpointIp(m, 3, 1, '10.200.0.3'), changes: 1 },
  { name: 'a weight change writes exactly one object', next: (m) => withEndpointWeight(m, 5, 0, 7), changes: 1 },
  { name: "a cluster's connection-pool change writes exactly one object", next: (m) => withClusterIdleTimeout(m, 6, 45), changes: 1 },
  {
    // Route translation reads the connect timeout: the agent's full pass, not the upstream-only one.
    name: "a cluster's connect-timeout change converges",
    next: (m) => withClusterConnectTimeout(m, 8, 3),
    check: async (held) => expect(held.upstreams.find((u) => u.name === clusterName(8, 10))).toEqual(expect.objectContaining({ timeout: expect.objectContaining({ connect: 3 }) })),
  },
  {
    name: 'an added service appears',
    next: (m) => withAddedService(m, PUSH_BASE_SERVICES),
    check: async (held) => expect(JSON.stringify(held)).toContain(svc(PUSH_BASE_SERVICES)),
  },
  {
    name: 'a removed service disappears, deleted',
    next: (m) => withoutService(m, 7),
    check: async (held, sidecar) => {
      expect(JSON.stringify(held)).not.toContain(svc(7));
      expect(await sidecar.metric('amesh_storage_changes_total', { op: 'delete' })).toBeGreaterThan(0);
    },
  },
  { name: 'an invalid resource is NACKed and the configuration kept', next: (m) => withInvalidEndpointPort(m, 2), rejected: /70000/ },
];

export interface PushTarget {
  readonly ads: AdsFixture;
  readonly sidecar: SidecarProcess;
  /** What storage holds now, read from the backend itself. */
  read(): Promise<ObjectLists>;
  /** amesh-translate's output for a mesh (the reference). */
  expected(mesh: XdsResources): Promise<ObjectLists>;
}

interface NackView {
  nacks: { reason: string }[];
}

/** Pushes the scenario's mesh and checks the agent's answer; returns the mesh now current. */
export async function runPushScenario(scenario: PushScenario, current: XdsResources, target: PushTarget): Promise<XdsResources> {
  const { ads, sidecar } = target;
  const next = scenario.next(current);
  const changesBefore = await sidecar.metric('amesh_storage_changes_total');
  if (scenario.rejected) {
    const held = await target.read();
    const nacksBefore = await sidecar.metric('amesh_xds_nacks_total');
    ads.push(next);
    await waitUntil('the agent to NACK the push', async () => (await sidecar.metric('amesh_xds_nacks_total')) > nacksBefore || undefined, 20_000);
    const dump = await sidecar.json<NackView>('/debug/config_dump');
    expect(dump.nacks.at(-1)?.reason).toMatch(scenario.rejected);
    expect(await target.read()).toEqual(held);
    expect(await sidecar.metric('amesh_storage_changes_total')).toBe(changesBefore);
    // The control plane fixes its mistake; nothing needs to change in storage.
    ads.push(current);
    return current;
  }
  ads.push(next);
  const want = await target.expected(next);
  await waitForLists(`storage to hold amesh-translate's output after "${scenario.name}"`, () => target.read(), want, 20_000);
  if (scenario.changes !== undefined) expect((await sidecar.metric('amesh_storage_changes_total')) - changesBefore).toBe(scenario.changes);
  await scenario.check?.(await target.read(), sidecar);
  return next;
}
