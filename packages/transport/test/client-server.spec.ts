import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Code, ConnectError } from '@connectrpc/connect';
import { TypeUrl } from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';
import { AdsClient, type AdsProtocol } from '../src/ads-client.js';
import { AdsServer } from '../src/ads-server.js';
import { edsServiceName } from '../src/resource-types.js';
import type { XdsSnapshot } from '../src/xds-snapshot.js';
import { cla, edsCluster, eventually, meshIp, smallMesh } from './fixtures.js';

const NODE = { id: 'sidecar~10.1.1.1~app-1.default~default.svc.cluster.local', cluster: 'app.default' };

function ipsOf(snapshot: XdsSnapshot, cluster: string): string[] {
  const found = snapshot.resources.clusterLoadAssignments.find((c) => c.name === cluster)?.message();
  return (found?.endpoints ?? []).flatMap((l) =>
    l.lbEndpoints.flatMap((e) => (e.hostIdentifier.case === 'endpoint' && e.hostIdentifier.value.address?.address.case === 'socketAddress' ? [e.hostIdentifier.value.address.address.value.address] : [])),
  );
}

/** Every EDS cluster has its endpoints and every RDS name its routes: what consumers are promised. */
function assertConsistent(snapshot: XdsSnapshot): void {
  const claNames = new Set(snapshot.resources.clusterLoadAssignments.map((c) => c.name));
  for (const c of snapshot.resources.clusters) {
    const eds = edsServiceName(c.message());
    if (eds) expect(claNames.has(eds)).toBe(true);
  }
  expect(snapshot.resources.clusters.length).toBeGreaterThan(0);
  expect(snapshot.resources.listeners.length).toBeGreaterThan(0);
}

const C = (i: number): string => `outbound|80||svc-${i}.default.svc.cluster.local`;

describe.each<AdsProtocol>(['delta', 'sotw'])('AdsClient against AdsServer (%s)', (protocol) => {
  let server: AdsServer;
  let client: AdsClient | undefined;
  let snapshots: XdsSnapshot[];

  async function connect(extra: Partial<ConstructorParameters<typeof AdsClient>[0]> = {}): Promise<AdsClient> {
    snapshots = [];
    client = new AdsClient({ server: `grpc://127.0.0.1:${server.port}`, node: NODE, protocol, backoff: { initialMs: 20, maxMs: 200 }, doesNotExistTimeoutMs: 500, ...extra });
    client.onSnapshot((s) => snapshots.push(s));
    client.start();
    return client;
  }

  beforeEach(async () => {
    server = new AdsServer();
    await server.listen(0);
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await server.close();
  });

  it('syncs, follows updates, removals and new references, and keeps every snapshot consistent', async () => {
    server.cache.setDefaultSnapshot(smallMesh(3));
    await connect();
    const first = await eventually(() => client!.snapshot(), 5000, 'initial snapshot');
    expect(first.resources.clusters.map((c) => c.name).sort()).toEqual([C(0), C(1), C(2)]);
    expect(first.resources.clusterLoadAssignments).toHaveLength(3);
    expect(first.resources.routeConfigurations.map((r) => r.name)).toEqual(['80']);
    expect(first.versions[TypeUrl.Cluster]).toBeTruthy();
    expect(server.clients()).toEqual([expect.objectContaining({ nodeId: NODE.id, protocol })]);

    // Update: one endpoint moves.
    const updated = smallMesh(3);
    updated.clusterLoadAssignments[1] = cla(C(1), ['10.9.9.9']);
    server.cache.setDefaultSnapshot(updated);
    await eventually(() => ipsOf(client!.snapshot()!, C(1))[0] === '10.9.9.9', 5000, 'endpoint update');
    expect(ipsOf(client!.snapshot()!, C(0))).toEqual(['10.0.0.1']);

    // A new cluster appears: the client subscribes to its endpoints and publishes both together.
    const grown: XdsResources = { ...updated, clusters: [...updated.clusters, edsCluster(C(7))], clusterLoadAssignments: [...updated.clusterLoadAssignments, cla(C(7), ['10.7.7.7'])] };
    server.cache.setDefaultSnapshot(grown);
    await eventually(() => client!.snapshot()!.resources.clusters.length === 4, 5000, 'new cluster');
    expect(ipsOf(client!.snapshot()!, C(7))).toEqual(['10.7.7.7']);
    expect(client!.status().subscriptions?.[TypeUrl.ClusterLoadAssignment]).toContain(C(7));

    // Removal: the cluster goes and the client unsubscribes its endpoints.
    const shrunk: XdsResources = { ...grown, clusters: grown.clusters.filter((c) => c.name !== C(0)) };
    server.cache.setDefaultSnapshot(shrunk);
    await eventually(() => client!.snapshot()!.resources.clusters.length === 3, 5000, 'cluster removal');
    expect(client!.snapshot()!.resources.clusterLoadAssignments.map((c) => c.name)).not.toContain(C(0));
    expect(client!.status().subscriptions?.[TypeUrl.ClusterLoadAssignment]).not.toContain(C(0));

    // The same cluster, now taking another assignment: the client follows the new name and drops the old.
    const moved: XdsResources = {
      ...shrunk,
      clusters: shrunk.clusters.map((c) => (c.name === C(2) ? edsCluster(C(2), 'svc-2-v2') : c)),
      clusterLoadAssignments: [...shrunk.clusterLoadAssignments, cla('svc-2-v2', ['10.2.2.2'])],
    };
    server.cache.setDefaultSnapshot(moved);
    await eventually(() => ipsOf(client!.snapshot()!, 'svc-2-v2')[0] === '10.2.2.2', 5000, 'cluster taking another assignment');
    expect(client!.status().subscriptions?.[TypeUrl.ClusterLoadAssignment]).toEqual(expect.arrayContaining(['svc-2-v2']));
    expect(client!.status().subscriptions?.[TypeUrl.ClusterLoadAssignment]).not.toContain(C(2));

    for (const s of snapshots) assertConsistent(s);
    expect(client!.status()).toEqual(expect.objectContaining({ state: 'connected', protocol, synced: true, nacks: [] }));
  });

  it('NACKs an invalid resource, keeps its last good copy and uses the good ones of the same response', async () => {
    server.cache.setDefaultSnapshot(smallMesh(2));
    await connect();
    const before = await eventually(() => client!.snapshot(), 5000, 'initial snapshot');
    const goodVersion = before.versions[TypeUrl.ClusterLoadAssignment];
    const bad = smallMesh(2);
    bad.clusterLoadAssignments = [cla(C(0), ['10.6.6.6'], 70000), cla(C(1), ['10.5.5.5'])];
    server.cache.setDefaultSnapshot(bad);
    await eventually(() => server.cache.nacks().length > 0, 5000, 'NACK at the server');
    await eventually(() => ipsOf(client!.snapshot()!, C(1))[0] === '10.5.5.5', 5000, 'good resource of the NACKed response');
    expect(ipsOf(client!.snapshot()!, C(0))).toEqual(['10.0.0.1']);
    const [nack] = client!.status().nacks;
    expect(nack).toEqual(expect.objectContaining({ typeUrl: TypeUrl.ClusterLoadAssignment, names: [C(0)], keptVersion: goodVersion }));
    expect(nack!.reason).toMatch(/port 70000 is outside 0-65535/);
    expect(server.cache.nacks()[0]).toEqual(expect.objectContaining({ nodeId: NODE.id, typeUrl: TypeUrl.ClusterLoadAssignment }));
    expect(server.cache.nacks()[0]!.message).toMatch(/70000/);
    if (protocol === 'sotw') expect(server.cache.nacks()[0]!.version).toBe(goodVersion);

    // The next good push is accepted again.
    server.cache.setDefaultSnapshot(smallMesh(2, 9));
    await eventually(() => ipsOf(client!.snapshot()!, C(0))[0] === '10.0.0.9', 5000, 'recovery after NACK');
  });

  it('converges after the server is killed mid-push and restarted, never publishing a partial state', async () => {
    const big = smallMesh(1500);
    server.cache.setDefaultSnapshot(big);
    await connect();
    await eventually(() => client!.snapshot(), 10000, 'initial snapshot');
    const port = server.port;
    const next = smallMesh(1500, 2);
    server.cache.setDefaultSnapshot(next); // the push starts...
    await new Promise((r) => setImmediate(r));
    await server.close(); // ...and the server dies under it.
    expect(client!.snapshot()!.resources.clusters).toHaveLength(1500);
    await eventually(() => client!.status().state === 'backoff' || client!.status().state === 'connecting', 5000, 'disconnect');
    server = new AdsServer();
    server.cache.setDefaultSnapshot(next);
    await server.listen(port);
    await eventually(() => ipsOf(client!.snapshot()!, C(1499))[0] === meshIp(1499, 2) && ipsOf(client!.snapshot()!, C(0))[0] === meshIp(0, 2), 10000, 'convergence');
    expect(client!.status().reconnects).toBeGreaterThan(0);
    for (const s of snapshots) {
      assertConsistent(s);
      expect(s.resources.clusters).toHaveLength(1500);
      expect(s.resources.clusterLoadAssignments).toHaveLength(1500);
    }
  }, 30000);

  it('after a reconnect, receives only what changed (Delta: initial_resource_versions; SotW: same versions)', async () => {
    server.cache.setDefaultSnapshot(smallMesh(50));
    await connect();
    await eventually(() => client!.snapshot(), 5000, 'initial snapshot');
    const port = server.port;
    await server.close();
    const changed = smallMesh(50);
    changed.clusterLoadAssignments[3] = cla(C(3), ['10.3.3.3']);
    server = new AdsServer();
    server.cache.setDefaultSnapshot(changed);
    await server.listen(port);
    await eventually(() => ipsOf(client!.snapshot()!, C(3))[0] === '10.3.3.3', 5000, 'change after reconnect');
    const published = snapshots.length;
    // Delta resends just the changed endpoints; SotW resends everything (its protocol has no other way).
    expect(server.stats().resourcesSent).toBe(protocol === 'delta' ? 1 : 50 + 50 + 1 + 1);
    expect(snapshots.every((s) => s.resources.clusters.length === 50)).toBe(true);
    expect(published).toBe(2);
  });

  it('drops what a restarted server no longer has (Delta: removed_resources for initial_resource_versions; SotW: absence)', async () => {
    server.cache.setDefaultSnapshot(smallMesh(3));
    await connect();
    await eventually(() => client!.snapshot(), 5000, 'initial snapshot');
    const port = server.port;
    await server.close();
    server = new AdsServer();
    server.cache.setDefaultSnapshot(smallMesh(2));
    await server.listen(port);
    await eventually(() => client!.snapshot()!.resources.clusters.length === 2, 5000, 'removal after restart');
    expect(client!.snapshot()!.resources.clusterLoadAssignments.map((c) => c.name).sort()).toEqual([C(0), C(1)]);
    expect(client!.status().subscriptions?.[TypeUrl.ClusterLoadAssignment]?.sort()).toEqual([C(0), C(1)]);
  });

  it('re-reads a rotated token on reconnect and sends ClusterID', async () => {
    await server.close();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-token-'));
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, 'token-1\n');
    const accepted = new Set(['Bearer token-1']);
    const seen: { authorization: string | null; clusterId: string | null }[] = [];
    server = new AdsServer({
      authenticate: (headers) => {
        seen.push({ authorization: headers.get('authorization'), clusterId: headers.get('clusterid') });
        if (!accepted.has(headers.get('authorization') ?? '')) throw new ConnectError('token expired', Code.Unauthenticated);
      },
    });
    server.cache.setDefaultSnapshot(smallMesh(1));
    await server.listen(0);
    await connect({ tokenFile, clusterId: 'Kubernetes' });
    await eventually(() => client!.snapshot(), 5000, 'initial snapshot');
    fs.writeFileSync(tokenFile, 'token-2\n');
    accepted.clear();
    accepted.add('Bearer token-2');
    server.disconnectClients();
    await eventually(() => seen.some((s) => s.authorization === 'Bearer token-2') && client!.status().state === 'connected', 5000, 'reconnect with the new token');
    expect(seen[0]).toEqual({ authorization: 'Bearer token-1', clusterId: 'Kubernetes' });
    expect(seen.every((s) => s.clusterId === 'Kubernetes')).toBe(true);
    // A client still holding the old token is refused and publishes nothing.
    const staleFile = path.join(dir, 'stale');
    fs.writeFileSync(staleFile, 'token-1');
    const stale = new AdsClient({ server: `grpc://127.0.0.1:${server.port}`, node: NODE, protocol, tokenFile: staleFile, backoff: { initialMs: 50 } }).start();
    try {
      await eventually(() => stale.status().lastError, 5000, 'refusal');
      expect(stale.status().lastError).toMatch(/token expired/);
      expect(stale.snapshot()).toBeUndefined();
    } finally {
      await stale.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AdsClient over TLS (grpcs, CA generated here)', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-tls-'));
    const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=amesh test CA');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=istiod.istio-system.svc');
    fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=DNS:istiod.istio-system.svc,IP:127.0.0.1\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'ext.cnf');
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '1', '-subj', '/CN=other CA');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('verifies the server with the CA file and syncs; a wrong CA never connects', async () => {
    const server = new AdsServer({ tls: { cert: fs.readFileSync(path.join(dir, 'server.pem')), key: fs.readFileSync(path.join(dir, 'server.key')) } });
    server.cache.setDefaultSnapshot(smallMesh(2));
    await server.listen(0);
    const good = new AdsClient({ server: `grpcs://127.0.0.1:${server.port}`, caFile: path.join(dir, 'ca.pem'), serverName: 'istiod.istio-system.svc', node: NODE }).start();
    const wrong = new AdsClient({ server: `grpcs://127.0.0.1:${server.port}`, caFile: path.join(dir, 'other.pem'), node: NODE, backoff: { initialMs: 50 } }).start();
    try {
      const snap = await eventually(() => good.snapshot(), 5000, 'snapshot over TLS');
      expect(snap.resources.clusters).toHaveLength(2);
      await eventually(() => wrong.status().lastError, 5000, 'TLS failure');
      expect(wrong.status().lastError).toMatch(/certificate|self.signed|verify/i);
      expect(wrong.snapshot()).toBeUndefined();
    } finally {
      await good.close();
      await wrong.close();
      await server.close();
    }
  });
});

describe('AdsServer with per-node snapshots', () => {
  it('serves each node its own snapshot, others the default, and pushes only to the node that changed', async () => {
    const server = new AdsServer();
    server.cache.setDefaultSnapshot(smallMesh(1));
    server.cache.setSnapshot('node-b', smallMesh(4));
    await server.listen(0);
    const a = new AdsClient({ server: `grpc://127.0.0.1:${server.port}`, node: { id: 'node-a' }, protocol: 'sotw' }).start();
    const b = new AdsClient({ server: `grpc://127.0.0.1:${server.port}`, node: { id: 'node-b' } }).start();
    const aSnapshots: XdsSnapshot[] = [];
    a.onSnapshot((s) => aSnapshots.push(s));
    try {
      await eventually(() => a.snapshot() && b.snapshot(), 5000, 'both synced');
      expect(a.snapshot()!.resources.clusters).toHaveLength(1);
      expect(b.snapshot()!.resources.clusters).toHaveLength(4);
      expect(server.clients().map((c) => `${c.nodeId}/${c.protocol}`).sort()).toEqual(['node-a/sotw', 'node-b/delta']);
      server.cache.setSnapshot('node-b', smallMesh(5));
      await eventually(() => b.snapshot()!.resources.clusters.length === 5, 5000, 'node-b update');
      server.cache.clearSnapshot('node-b');
      await eventually(() => b.snapshot()!.resources.clusters.length === 1, 5000, 'node-b falls back to the default');
      expect(aSnapshots).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
      await server.close();
    }
  });
});

describe('AdsClient reconnects', () => {
  it('backs off exponentially while the server is down, then syncs once it is up', async () => {
    const probe = new AdsServer();
    const port = await probe.listen(0);
    await probe.close(); // a port nobody listens on
    const client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: NODE, backoff: { initialMs: 20, multiplier: 2, jitter: 0, maxMs: 10_000 } }).start();
    try {
      await new Promise((r) => setTimeout(r, 700));
      // 20 + 40 + 80 + 160 + 320 ms: about five attempts in 700 ms, not the 35 a fixed 20 ms would make.
      const { reconnects, lastError, state } = client.status();
      expect(reconnects).toBeGreaterThanOrEqual(3);
      expect(reconnects).toBeLessThanOrEqual(6);
      expect(lastError).toMatch(/ECONNREFUSED|connect/i);
      expect(['backoff', 'connecting']).toContain(state);
      expect(client.snapshot()).toBeUndefined();
      const server = new AdsServer();
      server.cache.setDefaultSnapshot(smallMesh(2));
      await server.listen(port);
      try {
        await eventually(() => client.snapshot(), 5000, 'sync after the server came up');
        expect(client.status().state).toBe('connected');
      } finally {
        await client.close();
        await server.close();
      }
    } finally {
      await client.close();
    }
  });
});
