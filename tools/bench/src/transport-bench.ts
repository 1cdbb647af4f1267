// npm run bench -- transport [--services N] [--changes C] [--json]
// Real gRPC over loopback: our AdsServer serving the generated mesh to our AdsClient, SotW then
// Delta. Measures the full initial sync, then C single-endpoint changes: latency from the server's
// cache update to the client publishing a snapshot with the change, and bytes on the wire per change.
import { performance } from 'node:perf_hooks';
import { TypeUrl, type ClusterLoadAssignment } from '@amesh/proto';
import { AdsClient, AdsServer, buildResourceSnapshot, withResources, type AdsProtocol, type XdsSnapshot } from '@amesh/transport';
import { generateMesh, type GeneratedMesh } from './mesh-generator.js';

export interface TransportBenchOptions {
  services: number;
  changes: number;
}

export interface ProtocolResult {
  protocol: AdsProtocol;
  /** From client start to its first (complete) snapshot, ms. */
  initialSyncMs: number;
  /** Bytes the server wrote to the socket during the initial sync (HTTP/2 framing included). */
  initialBytes: number;
  changeP50Ms: number;
  changeP99Ms: number;
  changeMaxMs: number;
  /** Mean bytes per change, server -> client (the push). */
  bytesPerChangeDown: number;
  /** Mean bytes per change, client -> server (the ACK). */
  bytesPerChangeUp: number;
}

export interface TransportBenchResult {
  services: number;
  endpoints: number;
  changes: number;
  snapshotBuildMs: number;
  results: ProtocolResult[];
}

function parse(args: readonly string[]): TransportBenchOptions & { json: boolean } {
  const opts = { services: 10_000, changes: 100, json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const num = (): number => {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} expects a positive integer`);
      return n;
    };
    if (a === '--services') opts.services = num();
    else if (a === '--changes') opts.changes = num();
    else if (a === '--json') opts.json = true;
    else throw new Error(`transport bench: unknown argument ${a}; usage: transport [--services N] [--changes C] [--json]`);
  }
  return opts;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function firstIp(cla: ClusterLoadAssignment | undefined): string | undefined {
  const id = cla?.endpoints[0]?.lbEndpoints[0]?.hostIdentifier;
  return id?.case === 'endpoint' && id.value.address?.address.case === 'socketAddress' ? id.value.address.address.value.address : undefined;
}

/** The CLA of a cluster; snapshots list them in cluster order, so try the index first. */
function claNamed(s: XdsSnapshot, name: string, hint: number): ClusterLoadAssignment | undefined {
  const guess = s.resources.clusterLoadAssignments[hint];
  return (guess?.name === name ? guess : s.resources.clusterLoadAssignments.find((c) => c.name === name))?.message();
}

/** Resolves with the first snapshot (from now on) that satisfies `ok`. */
function nextSnapshot(client: AdsClient, ok: (s: XdsSnapshot) => boolean, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching snapshot within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.onSnapshot((s) => {
      if (!ok(s)) return;
      clearTimeout(timer);
      queueMicrotask(off);
      resolve(performance.now());
    });
  });
}

async function runProtocol(mesh: GeneratedMesh, protocol: AdsProtocol, changes: number): Promise<ProtocolResult> {
  const server = new AdsServer();
  let snapshot = buildResourceSnapshot({ ...mesh, secrets: [] });
  server.cache.setDefaultSnapshot(snapshot);
  const port = await server.listen(0);
  const client = new AdsClient({ server: `grpc://127.0.0.1:${port}`, node: { id: `bench~${protocol}` }, protocol });
  try {
    const t0 = performance.now();
    const synced = nextSnapshot(client, (s) => s.resources.clusterLoadAssignments.length === mesh.clusters.length, 120_000);
    client.start();
    const initialSyncMs = (await synced) - t0;
    const initialBytes = server.stats().wireBytesWritten;
    await new Promise((r) => setTimeout(r, 200)); // let the last ACKs land before counting bytes per change

    const latencies: number[] = [];
    const before = server.stats();
    for (let i = 0; i < changes; i++) {
      const service = (i * 7919) % mesh.clusters.length; // spread over the mesh
      const cla = structuredClone(mesh.clusterLoadAssignments[service]!);
      const ip = `172.16.${(i >> 8) & 255}.${i & 255}`;
      const id = cla.endpoints[0]!.lbEndpoints[0]!.hostIdentifier;
      if (id.case !== 'endpoint' || id.value.address?.address.case !== 'socketAddress') throw new Error('generated endpoint has no socket address');
      id.value.address.address.value.address = ip;
      snapshot = withResources(snapshot, TypeUrl.ClusterLoadAssignment, [cla]);
      const name = cla.clusterName;
      const seen = nextSnapshot(client, (s) => firstIp(claNamed(s, name, service)) === ip, 30_000);
      const start = performance.now();
      server.cache.setDefaultSnapshot(snapshot);
      latencies.push((await seen) - start);
    }
    await new Promise((r) => setTimeout(r, 200));
    const after = server.stats();
    latencies.sort((a, b) => a - b);
    return {
      protocol,
      initialSyncMs,
      initialBytes,
      changeP50Ms: percentile(latencies, 50),
      changeP99Ms: percentile(latencies, 99),
      changeMaxMs: latencies.at(-1)!,
      bytesPerChangeDown: (after.wireBytesWritten - before.wireBytesWritten) / changes,
      bytesPerChangeUp: (after.wireBytesRead - before.wireBytesRead) / changes,
    };
  } finally {
    await client.close();
    await server.close();
  }
}

export async function runTransportBench(options: TransportBenchOptions): Promise<TransportBenchResult> {
  const mesh = generateMesh({ services: options.services });
  const t = performance.now();
  buildResourceSnapshot({ ...mesh, secrets: [] });
  const snapshotBuildMs = performance.now() - t;
  // Warm both code paths (JIT, HTTP/2, gzip) on a small mesh so the first protocol measured is not penalised.
  const small = generateMesh({ services: 100 });
  for (const protocol of ['sotw', 'delta'] as const) await runProtocol(small, protocol, 5);
  const results: ProtocolResult[] = [];
  for (const protocol of ['sotw', 'delta'] as const) results.push(await runProtocol(mesh, protocol, options.changes));
  const endpoints = mesh.clusterLoadAssignments.reduce((n, c) => n + c.endpoints.reduce((m, l) => m + l.lbEndpoints.length, 0), 0);
  return { services: options.services, endpoints, changes: options.changes, snapshotBuildMs, results };
}

const fmt = (n: number, digits = 1): string => n.toFixed(digits);
const kb = (n: number): string => (n >= 1024 * 1024 ? `${fmt(n / 1024 / 1024)} MiB` : n >= 1024 ? `${fmt(n / 1024)} KiB` : `${Math.round(n)} B`);

export async function main(args: readonly string[]): Promise<void> {
  const { json, ...options } = parse(args);
  const r = await runTransportBench(options);
  if (json) {
    console.log(JSON.stringify(r, null, 2));
    return;
  }
  console.log(`transport: ${r.services} services, ${r.endpoints} endpoints; server snapshot build ${fmt(r.snapshotBuildMs)} ms; ${r.changes} single-endpoint changes`);
  console.log('protocol  initial sync  initial bytes  change p50  change p99  change max  bytes/change down  up');
  for (const p of r.results) {
    console.log(
      `${p.protocol.padEnd(8)}  ${`${fmt(p.initialSyncMs, 0)} ms`.padStart(12)}  ${kb(p.initialBytes).padStart(13)}  ${`${fmt(p.changeP50Ms)} ms`.padStart(10)}  ${`${fmt(p.changeP99Ms)} ms`.padStart(10)}  ${`${fmt(p.changeMaxMs)} ms`.padStart(10)}  ${kb(p.bytesPerChangeDown).padStart(17)}  ${kb(p.bytesPerChangeUp)}`,
    );
  }
}
