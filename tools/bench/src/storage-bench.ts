// npm run bench -- storage [--backends memory,etcd,yaml,shdict] [--objects 20000] [--changes 100]
// Per backend: one initial sync of N ~1 KB objects, then single-object changes timed from apply()
// until the change is visible where APISIX reads it (etcd, the nginx Lua handler, the file).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ShdictBackend, createStorage, type Change, type Storage } from '@amesh/storage';
import { EtcdServer, NginxServer } from '@amesh/storage/testing';

interface Target {
  spec: string;
  /** Resolves true once the object with this marker is visible to APISIX's side. */
  visible(kind: string, id: string, marker: string): Promise<boolean>;
  stop(): Promise<void>;
}

const BACKENDS = ['memory', 'etcd', 'yaml', 'shdict'] as const;
type BackendName = (typeof BACKENDS)[number];

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

/** ~1 KB objects: half upstreams with 24 nodes, half routes with 40 uris pointing at them. */
export function benchObjects(count: number): Change[] {
  const half = Math.ceil(count / 2);
  const out: Change[] = [];
  for (let i = 0; i < half; i++) {
    const nodes = Array.from({ length: 24 }, (_, n) => ({ host: `10.${(i >> 8) & 255}.${i & 255}.${n + 1}`, port: 8080, weight: 1 }));
    out.push({ op: 'put', kind: 'upstreams', id: `u${i}`, value: { id: `u${i}`, type: 'roundrobin', nodes, desc: `service ${i}` } });
  }
  for (let i = 0; out.length < count; i++) {
    const uris = Array.from({ length: 40 }, (_, n) => `/svc-${i}/api/v${n}/*`);
    out.push({ op: 'put', kind: 'routes', id: `r${i}`, value: { id: `r${i}`, uris, hosts: [`svc-${i}.ns.svc.cluster.local`], upstream_id: `u${i % half}`, desc: 'initial' } });
  }
  return out;
}

async function target(name: BackendName, dir: string): Promise<{ target: Target; storage: () => Storage }> {
  switch (name) {
    case 'memory': {
      const storage = createStorage('memory');
      return {
        storage: () => storage,
        target: {
          spec: 'memory',
          visible: async (kind, id, marker) => (await storage.readAll()).get(kind as 'routes')?.get(id)?.desc === marker,
          stop: async () => undefined,
        },
      };
    }
    case 'etcd': {
      const etcd = await EtcdServer.start();
      const spec = `etcd://${etcd.endpoint}`;
      return {
        storage: () => createStorage(spec),
        target: {
          spec,
          visible: async (kind, id, marker) => ((await etcd.get(`/apisix/${kind}/${id}`)) ?? '').includes(marker),
          stop: () => etcd.stop(),
        },
      };
    }
    case 'yaml': {
      const file = path.join(dir, 'apisix.yaml');
      const spec = `yaml:${file}`;
      return {
        storage: () => createStorage(spec),
        target: { spec, visible: async (_k, _i, marker) => fs.readFileSync(file, 'utf8').includes(marker), stop: async () => undefined },
      };
    }
    case 'shdict': {
      const nginx = await NginxServer.start({ configDictSize: '256m' });
      const spec = `shdict:${nginx.socketPath}`;
      return {
        storage: () => createStorage(spec),
        target: {
          spec,
          visible: async (kind, id, marker) => ((await nginx.get(`/${kind}/${id}`)) ?? '').includes(marker),
          stop: () => nginx.stop(),
        },
      };
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runOne(name: BackendName, objects: Change[], changes: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-bench-'));
  const { target: t, storage: make } = await target(name, dir);
  const storage = make();
  try {
    const t0 = performance.now();
    await storage.apply(objects);
    const syncMs = performance.now() - t0;
    const routes = objects.filter((c) => c.kind === 'routes');
    const latencies: number[] = [];
    for (let i = 0; i < changes; i++) {
      const base = routes[i % routes.length]! as Extract<Change, { op: 'put' }>;
      const marker = `bench-${i}-${Math.random().toString(36).slice(2)}`;
      const start = performance.now();
      await storage.apply([{ ...base, value: { ...base.value, desc: marker } }]);
      const deadline = Date.now() + 10_000;
      while (!(await t.visible(base.kind, base.id, marker))) {
        if (Date.now() > deadline) throw new Error(`${name}: change ${i} not visible after 10 s`);
      }
      latencies.push(performance.now() - start);
    }
    latencies.sort((a, b) => a - b);
    return (
      `${name.padEnd(7)} initial sync ${objects.length} objects in ${syncMs.toFixed(0)} ms = ` +
      `${Math.round(objects.length / (syncMs / 1000))} objects/s; ${changes} changes write-to-visible ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms`
    );
  } finally {
    await storage.close();
    await t.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(args: string[]): Promise<void> {
  const names = option(args, 'backends', BACKENDS.join(',')).split(',') as BackendName[];
  for (const n of names) if (!BACKENDS.includes(n)) throw new Error(`unknown backend "${n}"; use ${BACKENDS.join(',')}`);
  const count = Number(option(args, 'objects', '20000'));
  const changes = Number(option(args, 'changes', '100'));
  const objects = benchObjects(count);
  const avg = objects.reduce((s, c) => s + JSON.stringify((c as { value: unknown }).value).length, 0) / objects.length;
  console.log(`storage bench: ${count} objects (avg ${Math.round(avg)} bytes JSON), ${changes} single-object changes`);
  // Compile the APISIX schemas once, outside the timings.
  const warm = createStorage('memory');
  await warm.apply(objects.slice(0, 1));
  await warm.close();
  for (const name of names) console.log(await runOne(name, objects, changes));
  if (names.includes('shdict')) console.log(await bridgeOnly(objects));
}

/** The shared-dict bridge alone (no schema validation, no queue): what libxds.so sustains. */
async function bridgeOnly(objects: Change[]): Promise<string> {
  const nginx = await NginxServer.start({ configDictSize: '256m' });
  const backend = new ShdictBackend({ socketPath: nginx.socketPath, watchIntervalMs: 0 });
  try {
    const t0 = performance.now();
    const failures = await backend.write(objects);
    const ms = performance.now() - t0;
    if (failures.length) throw new Error(`bridge: ${failures.length} failures, first: ${failures[0]!.error.message}`);
    const dict = await nginx.dump();
    if (dict.size !== objects.length) throw new Error(`bridge: nginx holds ${dict.size} objects, expected ${objects.length}`);
    return `shdict bridge only (ShdictBackend.write, no validation): ${objects.length} objects in ${ms.toFixed(0)} ms = ${Math.round(objects.length / (ms / 1000))} objects/s`;
  } finally {
    await backend.close();
    await nginx.stop();
  }
}
