// npm run bench -- sidecar [--sizes 1000,10000] [--storages memory,shdict] [--pushes 200] [--warmup 10] [--changes endpoint,pool,cluster] [--floor on|off]
// The whole agent as a real child process (amesh-sidecar run) against our ADS server: time to ready,
// RSS after the initial sync, and push-to-applied latency for one endpoint change and two kinds of
// cluster change (see CHANGES), measured from the moment the server has the new snapshot to the
// agent's "snapshot applied" log line; then RSS and heap after a forced GC, which shows what the
// pushes left behind.
// Percentiles are of the steady state: the first pushes after the sync run code V8 has not
// optimised yet (the sync took the full path, not the endpoint one), so a few warm-up pushes go
// untimed; the first one's time is reported on its own.
// Before the agent, the same endpoint pushes go to the agent's ADS client alone (ads-floor-client.ts):
// the harness's floor, so the agent's own share of each percentile can be told from the machine's.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { create, type Message } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { TypeUrl, type XdsTypeUrl } from '@amesh/proto';
import { HttpProtocolOptionsSchema } from '@amesh/proto/gen/envoy/config/core/v3/protocol_pb';
import { NginxServer } from '@amesh/storage/testing';
import { AdsServer, buildResourceSnapshot, withResources, type ResourceSnapshot } from '@amesh/transport';
import { benchGc } from './bench-gc.js';
import { generateMesh, type GeneratedMesh } from './mesh-generator.js';

const SIDECAR_BIN = path.resolve(__dirname, '..', '..', '..', 'apps', 'sidecar', 'bin', 'amesh-sidecar.js');
const FLOOR_CLIENT = path.join(__dirname, 'ads-floor-client.js');
const STORAGES = ['memory', 'shdict'] as const;
type StorageName = (typeof STORAGES)[number];

/**
 * The bench's child only (the launcher never ships --expose-gc): on SIGUSR2, a full GC (and a heap
 * snapshot when AMESH_BENCH_HEAP_SNAPSHOT names a file), then a log line with the heap's spaces.
 * Passed in NODE_OPTIONS: the launcher runs by its own shebang, with its own V8 flags, as in the image.
 */
const GC_ON_SIGNAL = [
  '--expose-gc',
  `--import=data:text/javascript,${encodeURIComponent(
    "import v8 from 'node:v8'; process.on('SIGUSR2', () => { globalThis.gc(); const f = process.env.AMESH_BENCH_HEAP_SNAPSHOT; " +
      "if (f) v8.writeHeapSnapshot(f); const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.physical_space_size / 1048576)])); " +
      "process.stderr.write(JSON.stringify({ msg: 'bench: gc done', memory: process.memoryUsage(), spaces }) + '\\n'); });",
  )}`,
];

function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

interface AppliedLine {
  changes: number;
  translateMs: number;
  applyMs: number;
  versions: Record<string, string>;
}

/** The agent's JSON log on stderr, as events: every "snapshot applied" line and readiness. */
class AgentProcess {
  private buffer = '';
  private waiters: {
    test: (line: Record<string, unknown>) => boolean;
    resolve: (line: Record<string, unknown>) => void;
    reject: (err: Error) => void;
  }[] = [];
  readonly started = performance.now();
  private tail = '';

  constructor(readonly child: ChildProcess) {
    child.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w.reject(new Error(`agent exited (${code}):\n${this.tail}`));
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const text = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.tail = (this.tail + text + '\n').slice(-4000);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        for (const w of [...this.waiters]) {
          if (w.test(line)) {
            this.waiters.splice(this.waiters.indexOf(w), 1);
            w.resolve(line);
          }
        }
      }
    });
  }

  /** Resolves with the first log line (from now on) passing `test`; rejects after timeoutMs. */
  next(what: string, test: (line: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; agent log tail:\n${this.tail}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(new Error(`${err.message} (while waiting for ${what})`));
        },
      });
    });
  }

  rssMb(): number {
    return this.statusMb('VmRSS');
  }

  /** The highest RSS the agent has had (the initial sync's decode and translate). */
  peakRssMb(): number {
    return this.statusMb('VmHWM');
  }

  private statusMb(field: string): number {
    const status = fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
    return kb / 1024;
  }

  /** RSS after a full GC (see GC_ON_SIGNAL); with AMESH_BENCH_HEAP_SNAPSHOT set, the agent also writes a heap snapshot there. */
  async rssAfterGcMb(): Promise<{ rss: number; heap: string }> {
    this.child.kill('SIGUSR2');
    const line = await this.next('the forced GC', (l) => l.msg === 'bench: gc done', 120_000);
    await new Promise((r) => setTimeout(r, 200));
    const mem = line.memory as Record<string, number>;
    const spaces = Object.entries(line.spaces as Record<string, number>)
      .filter(([, mb]) => mb > 0)
      .map(([name, mb]) => `${name.replace(/_space$/, '')} ${mb}`)
      .join(', ');
    const mb = (n: number | undefined) => ((n ?? 0) / 1048576).toFixed(0);
    return { rss: this.rssMb(), heap: `heap used ${mb(mem.heapUsed)} of ${mb(mem.heapTotal)} MB (${spaces}), external ${mb(mem.external)} MB` };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await done;
    clearTimeout(timer);
  }
}

async function metricsText(statusUrl: string): Promise<string> {
  return (await fetch(`${statusUrl}/metrics`)).text();
}

/** One unlabelled sample from the agent's /metrics. */
async function metricValue(statusUrl: string, name: string): Promise<number> {
  const text = await metricsText(statusUrl);
  const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** The agent's GC count and total pause per kind (prom-client's nodejs_gc_duration_seconds). */
async function gcTotals(statusUrl: string): Promise<Map<string, { count: number; seconds: number }>> {
  const text = await metricsText(statusUrl);
  const totals = new Map<string, { count: number; seconds: number }>();
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_(count|sum)\{kind="(\w+)"\} ([0-9.e+-]+)$/gm)) {
    const t = totals.get(m[2]!) ?? { count: 0, seconds: 0 };
    if (m[1] === 'count') t.count = Number(m[3]);
    else t.seconds = Number(m[3]);
    totals.set(m[2]!, t);
  }
  return totals;
}

/** What the agent's GC did between two gcTotals(), as "2 major (9.1 ms), 14 minor (21.0 ms)". */
function gcDuring(before: Map<string, { count: number; seconds: number }>, after: Map<string, { count: number; seconds: number }>): string {
  const parts: string[] = [];
  for (const [kind, a] of after) {
    const b = before.get(kind) ?? { count: 0, seconds: 0 };
    if (a.count > b.count) parts.push(`${a.count - b.count} ${kind} (${((a.seconds - b.seconds) * 1000).toFixed(1)} ms)`);
  }
  return parts.join(', ') || 'none';
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * endpoint: one assignment's endpoint moves (EDS). pool: one cluster's connection-pool idle timeout
 * (a DestinationRule connectionPool edit: only the cluster's upstream reads it). cluster: one
 * cluster's connect timeout, which routes read too (their timeouts): the agent's full pass.
 */
const CHANGES = ['endpoint', 'pool', 'cluster'] as const;
type ChangeKind = (typeof CHANGES)[number];

/** Points service `svc`'s first endpoint at a fresh address (a real endpoint change every time). */
function moveEndpoint(mesh: GeneratedMesh, svc: number, round: number): void {
  const lb = mesh.clusterLoadAssignments[svc]!.endpoints[0]!.lbEndpoints[0]!;
  if (lb.hostIdentifier.case !== 'endpoint') throw new Error('generated endpoint expected');
  const addr = lb.hostIdentifier.value.address!.address;
  if (addr.case !== 'socketAddress') throw new Error('socket address expected');
  addr.value.address = `10.250.${(round >> 8) & 255}.${round & 255}`;
}

/** Changes service `svc`'s cluster in the way `change` says (a new value every round) and returns it. */
function changeCluster(mesh: GeneratedMesh, svc: number, round: number, change: Exclude<ChangeKind, 'endpoint'>): Message {
  const cluster = mesh.clusters[svc]!;
  const seconds = BigInt(11 + (round % 50)); // never the generated 10 s
  if (change === 'cluster') cluster.connectTimeout = create(DurationSchema, { seconds });
  else cluster.commonHttpProtocolOptions = create(HttpProtocolOptionsSchema, { idleTimeout: create(DurationSchema, { seconds }) });
  return cluster;
}

/** How many pushes are timed, after how many untimed warm-up pushes. */
interface PushPlan {
  pushes: number;
  warmup: number;
}

interface PushTimes {
  /** The timed pushes (after the warm-up), sorted. */
  samples: number[];
  /** The first push after the initial sync (a warm-up push when there are any). */
  first: number;
  translateP50: number;
  applyP50: number;
  objectsWritten: Set<number>;
  versionBumps: number;
}

/**
 * One change at a time, timed from the moment the server has it to the agent's "snapshot applied"
 * line for that version. Packing the snapshot is the server's work (istiod's), kept out of the
 * timing; only the changed resource is packed (as istiod pushes incrementally): a full rebuild's
 * garbage would land as GC pauses of this process inside the timed window.
 */
async function timePushes(
  change: ChangeKind,
  plan: PushPlan,
  ctx: { server: AdsServer; mesh: GeneratedMesh; services: number; agent: AgentProcess; nginx: NginxServer | undefined; publish: (type: XdsTypeUrl, item: Message) => ResourceSnapshot },
): Promise<PushTimes> {
  const { mesh, services, agent, nginx } = ctx;
  const samples: number[] = [];
  let first = NaN;
  const translate: number[] = [];
  const apply: number[] = [];
  const objectsWritten = new Set<number>();
  let versionBumps = 0;
  const type = change === 'endpoint' ? TypeUrl.ClusterLoadAssignment : TypeUrl.Cluster;
  const gc = benchGc();
  for (let round = 1; round <= plan.warmup + plan.pushes; round++) {
    const svc = (round * 7919) % services;
    let snapshot: ResourceSnapshot;
    if (change === 'endpoint') {
      moveEndpoint(mesh, svc, round);
      snapshot = ctx.publish(type, mesh.clusterLoadAssignments[svc]!);
    } else {
      snapshot = ctx.publish(type, changeCluster(mesh, svc, round, change));
    }
    const version = snapshot.get(type)!.version;
    const versionBefore = nginx ? await nginx.version() : undefined;
    // This process stands in for istiod: its own young-generation collection (its garbage is the
    // packing above) runs before the timer starts, so only the agent's pauses land in the window.
    gc({ type: 'minor' });
    const applied = agent.next(
      `${type} version ${version} to be applied`,
      (l) => l.msg === 'snapshot applied' && (l.versions as Record<string, string> | undefined)?.[type] === version,
      60_000,
    );
    const t0 = performance.now();
    ctx.server.cache.setDefaultSnapshot(snapshot);
    const line = (await applied) as unknown as AppliedLine;
    const ms = performance.now() - t0;
    if (round === 1) first = ms;
    objectsWritten.add(line.changes);
    if (round > plan.warmup) {
      samples.push(ms);
      translate.push(line.translateMs);
      apply.push(line.applyMs);
    }
    if (nginx && (await nginx.version()) !== versionBefore) versionBumps++;
    // Let the agent finish what follows its log line (ACKs, gauges) before the next push.
    await new Promise((r) => setTimeout(r, 50));
  }
  const med = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  return { samples: samples.sort((a, b) => a - b), first, translateP50: med(translate), applyP50: med(apply), objectsWritten, versionBumps };
}

/** The node flags the launcher's shebang gives the agent (`#!/usr/bin/env -S node FLAGS`): the floor client runs with the same. */
function launcherNodeFlags(): string[] {
  const shebang = fs.readFileSync(SIDECAR_BIN, 'utf8').split('\n', 1)[0]!;
  const m = /^#!\/usr\/bin\/env -S node\b(.*)$/.exec(shebang);
  if (!m) throw new Error(`${SIDECAR_BIN}: expected a "#!/usr/bin/env -S node ..." shebang, found ${JSON.stringify(shebang)}`);
  return m[1]!.trim().split(/\s+/).filter(Boolean);
}

/** Starts an ADS server holding the whole generated mesh; `publish` folds one changed resource into what it serves. */
async function meshServer(services: number): Promise<{ server: AdsServer; mesh: GeneratedMesh; port: number; publish: (type: XdsTypeUrl, item: Message) => ResourceSnapshot }> {
  const mesh = generateMesh({ services });
  const server = new AdsServer();
  let served = buildResourceSnapshot({ ...mesh, secrets: [] });
  server.cache.setDefaultSnapshot(served);
  const port = await server.listen(0, '127.0.0.1');
  return { server, mesh, port, publish: (type, item) => (served = withResources(served, type, [item])) };
}

function childEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '', NODE_OPTIONS: GC_ON_SIGNAL.join(' '), AMESH_BENCH_HEAP_SNAPSHOT: process.env.AMESH_BENCH_HEAP_SNAPSHOT ?? '', POD_NAME: 'bench-0', POD_NAMESPACE: 'default', INSTANCE_IP: '10.255.0.1' };
}

function pushLine(change: ChangeKind, plan: PushPlan, t: PushTimes): string {
  const warmup = plan.warmup > 0 ? ` after ${plan.warmup} warm-up pushes (the first push after the sync: ${t.first.toFixed(1)} ms)` : '';
  return `push-to-applied (one ${change} change, ${plan.pushes} pushes${warmup}): p50 ${percentile(t.samples, 50).toFixed(1)} ms, p99 ${percentile(t.samples, 99).toFixed(1)} ms, max ${t.samples[t.samples.length - 1]!.toFixed(1)} ms`;
}

/** The harness floor: the same endpoint pushes to the agent's ADS client alone. */
async function runFloor(services: number, plan: PushPlan): Promise<string> {
  const { server, mesh, port, publish } = await meshServer(services);
  const child = spawn(process.execPath, [...launcherNodeFlags(), FLOOR_CLIENT, `grpc://127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() });
  const client = new AgentProcess(child);
  try {
    await client.next('the floor client to sync', (l) => l.msg === 'first complete snapshot written; ready', 600_000);
    await new Promise((r) => setTimeout(r, 1000));
    const t = await timePushes('endpoint', plan, { server, mesh, services, agent: client, nginx: undefined, publish });
    return `${services} services, the harness floor (the agent's ADS client alone: no translation, no storage):\n  ${pushLine('endpoint', plan, t).replace('push-to-applied', 'push-to-snapshot')}`;
  } finally {
    await client.stop();
    await server.close();
  }
}

async function runOne(services: number, storage: StorageName, plan: PushPlan, changes: readonly ChangeKind[]): Promise<string> {
  const { server, mesh, port, publish } = await meshServer(services);
  const nginx = storage === 'shdict' ? await NginxServer.start({ configDictSize: '512m', workers: 1 }) : undefined;
  const spec = nginx ? `shdict:${nginx.socketPath}` : 'memory';
  const child = spawn(
    SIDECAR_BIN,
    ['run', '--xds', `grpc://127.0.0.1:${port}`, '--storage', spec, '--status-port', '0', '--status-host', '127.0.0.1', '--log-level', 'debug'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: childEnv() },
  );
  const agent = new AgentProcess(child);
  try {
    const started = agent.next('the status server', (l) => l.msg === 'amesh-sidecar started', 120_000);
    const ready = await agent.next('readiness', (l) => l.msg === 'first complete snapshot written; ready', 600_000);
    const statusUrl = (await started).url as string;
    const readyMs = performance.now() - agent.started;
    await new Promise((r) => setTimeout(r, 1000));
    const rss = agent.rssMb();
    const peak = agent.peakRssMb();
    const heapMb = (await metricValue(statusUrl, 'nodejs_heap_size_used_bytes')) / 1048576;
    const lines: string[] = [];
    for (const change of changes) {
      const gcBefore = await gcTotals(statusUrl);
      const t = await timePushes(change, plan, { server, mesh, services, agent, nginx, publish });
      const gc = gcDuring(gcBefore, await gcTotals(statusUrl));
      lines.push(
        `  ${pushLine(change, plan, t)}; inside the agent (p50): translate ${t.translateP50.toFixed(1)} ms, diff+apply ${t.applyP50.toFixed(1)} ms; agent GCs meanwhile: ${gc}`,
        `  objects written per ${change} change: ${[...t.objectsWritten].join(',')} -> ${t.objectsWritten.size === 1 && t.objectsWritten.has(1) ? 'exactly one object' : 'NOT one object'}` +
          (nginx ? `; shared-dict version bumped on ${t.versionBumps}/${plan.warmup + plan.pushes} changes` : ''),
      );
    }
    // What the agent settles at once the pushes stop (its own compaction after churn waits 2 s of quiet).
    await new Promise((r) => setTimeout(r, 3000));
    const settled = agent.rssMb();
    // Forced last: a full GC before the pushes would also drop compiled code the pushes then redo.
    const afterGc = await agent.rssAfterGcMb();
    return [
      `${services} services, ${storage}: ready in ${(readyMs / 1000).toFixed(2)} s (${ready.objects as number} objects), RSS ${rss.toFixed(0)} MB after sync (JS heap used ${heapMb.toFixed(0)} MB; peak during sync ${peak.toFixed(0)} MB)`,
      ...lines,
      `  3 s after the pushes: RSS ${settled.toFixed(0)} MB; then after a forced GC: RSS ${afterGc.rss.toFixed(0)} MB, ${afterGc.heap}`,
    ].join('\n');
  } finally {
    await agent.stop();
    await server.close();
    await nginx?.stop();
  }
}

export async function main(args: readonly string[]): Promise<void> {
  const sizes = option(args, 'sizes', '1000,10000').split(',').map(Number);
  const storages = option(args, 'storages', STORAGES.join(',')).split(',') as StorageName[];
  for (const s of storages) if (!STORAGES.includes(s)) throw new Error(`unknown storage "${s}"; use ${STORAGES.join(',')}`);
  for (const n of sizes) if (!Number.isInteger(n) || n < 1) throw new Error(`--sizes: "${n}" is not a positive integer`);
  const plan: PushPlan = { pushes: Number(option(args, 'pushes', '200')), warmup: Number(option(args, 'warmup', '10')) };
  if (!Number.isInteger(plan.pushes) || plan.pushes < 1) throw new Error(`--pushes: "${plan.pushes}" is not a positive integer`);
  if (!Number.isInteger(plan.warmup) || plan.warmup < 0) throw new Error(`--warmup: "${plan.warmup}" is not a whole number`);
  const changes = option(args, 'changes', CHANGES.join(',')).split(',') as ChangeKind[];
  for (const c of changes) if (!CHANGES.includes(c)) throw new Error(`--changes: unknown change "${c}"; use ${CHANGES.join(',')}`);
  if (!fs.existsSync(path.join(path.dirname(SIDECAR_BIN), '..', 'dist', 'cli', 'main.js'))) {
    throw new Error('apps/sidecar is not built: run `npm run build` (npm run bench does)');
  }
  console.log(`sidecar bench: amesh-sidecar run as a child process; sizes ${sizes.join(', ')}; storages ${storages.join(', ')}; ${plan.pushes} timed pushes of each kind after ${plan.warmup} untimed`);
  const floor = option(args, 'floor', 'on');
  if (floor !== 'on' && floor !== 'off') throw new Error(`--floor: "${floor}"; use on or off`);
  for (const services of sizes) {
    if (floor === 'on') console.log(await runFloor(services, plan));
    for (const storage of storages) console.log(await runOne(services, storage, plan, changes));
  }
}
