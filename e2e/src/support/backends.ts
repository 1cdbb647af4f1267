import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Etcd3 } from 'etcd3';
import { parse } from 'yaml';
import { EtcdServer, NginxServer } from '@amesh/storage/testing';
import { normalizeLists, shdictAsLists, type ObjectLists } from './mesh-files.js';
import type { SidecarProcess } from './sidecar-process.js';

/** A real storage backend for the agent, read back directly (not through @amesh/storage). */
export interface BackendFixture {
  readonly label: string;
  /** The agent's --storage value. */
  readonly spec: string;
  /** Whether the backend can tell a restarted agent what it holds (readAll from the backend itself). */
  readonly durable: boolean;
  /** What the backend holds; `agent` is the running agent (only memory storage needs it: it lives there). */
  read(agent?: SidecarProcess): Promise<ObjectLists>;
  stop(): Promise<void>;
}

/**
 * The agent's own memory storage. Nothing outside the process can read it, so it is read through
 * the agent's config dump (APISIX objects as written; the suites run the agent on loopback).
 */
export async function memoryBackend(): Promise<BackendFixture> {
  return {
    label: 'memory',
    spec: 'memory',
    durable: false,
    async read(agent) {
      if (!agent) throw new Error('memory storage lives in the agent: read it with the running agent');
      return normalizeLists((await agent.json<{ apisix: Partial<ObjectLists> }>('/debug/config_dump')).apisix);
    },
    async stop() {},
  };
}

export async function yamlBackend(): Promise<BackendFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'amesh-e2e-yaml-'));
  const file = path.join(dir, 'apisix.yaml');
  return {
    label: 'yaml file',
    spec: `yaml:${file}`,
    durable: true,
    async read() {
      if (!fs.existsSync(file)) return normalizeLists({});
      const text = fs.readFileSync(file, 'utf8');
      // APISIX only accepts the file once its last line is #END.
      if (!text.trimEnd().endsWith('#END')) throw new Error(`${file} does not end with #END`);
      return normalizeLists((parse(text) ?? {}) as Record<string, unknown[]>);
    },
    async stop() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Everything under `<prefix>/` in etcd, read with a plain etcd client, as lists. */
export async function readEtcd(endpoint: string, prefix = '/apisix'): Promise<ObjectLists> {
  const client = new Etcd3({ hosts: `http://${endpoint}` });
  try {
    const all = await client.getAll().prefix(`${prefix}/`).strings();
    const lists: Record<string, unknown[]> = {};
    for (const [key, value] of Object.entries(all)) {
      const m = /^\/([a-z_]+)\/(.+)$/.exec(key.slice(prefix.length));
      if (!m) continue;
      const obj = JSON.parse(value) as { id?: string };
      // APISIX requires the stored id to equal the key suffix.
      if (obj.id !== m[2]) throw new Error(`etcd key ${key} holds id ${obj.id}`);
      (lists[m[1]] ??= []).push(obj);
    }
    return normalizeLists(lists);
  } finally {
    client.close();
  }
}

export async function etcdBackend(): Promise<BackendFixture> {
  const etcd = await EtcdServer.start();
  return {
    label: 'etcd',
    spec: `etcd://${etcd.endpoint}/apisix`,
    durable: true,
    read: () => readEtcd(etcd.endpoint),
    stop: () => etcd.stop(),
  };
}

export async function shdictBackend(): Promise<BackendFixture & { version(): Promise<number | undefined> }> {
  const nginx = await NginxServer.start();
  return {
    label: 'nginx shared dict (libxds.so)',
    spec: `shdict:${nginx.socketPath}`,
    // The bridge cannot list the dict: a restarted agent starts from an empty baseline.
    durable: false,
    read: async () => shdictAsLists(await nginx.dump()),
    version: () => nginx.version(),
    stop: () => nginx.stop(),
  };
}
