import type { Backend } from './backend.js';
import type * as EtcdModule from './etcd-backend.js';
import { StorageConfigError } from './errors.js';
import { MemoryBackend } from './memory-backend.js';
import { QueuedStorage } from './queued-storage.js';
import type * as ShdictModule from './shdict-backend.js';
import type { Storage, StorageOptions } from './storage.js';
import type * as YamlModule from './yaml-backend.js';

export interface CreateStorageOptions extends StorageOptions {
  etcd?: Omit<EtcdModule.EtcdBackendOptions, 'hosts' | 'prefix'>;
  shdict?: Omit<ShdictModule.ShdictBackendOptions, 'socketPath'>;
}

export type StorageSpec =
  | { backend: 'memory' }
  | { backend: 'etcd'; hosts: string[]; prefix: string }
  | { backend: 'yaml'; file: string }
  | { backend: 'shdict'; socketPath?: string };

const USAGE =
  'expected one of: "memory", "etcd://host:port[,host:port…][/prefix]", "yaml:/path/apisix.yaml" ' +
  '(or .json), "shdict:/path/to/xds.sock"';

/** Parses a storage spec (pure). Throws StorageConfigError saying what is wrong and what is accepted. */
export function parseStorageSpec(spec: string): StorageSpec {
  const bad = (why: string) => new StorageConfigError(`storage spec "${spec}": ${why}; ${USAGE}`, 'config');
  const s = spec.trim();
  if (s === 'memory') return { backend: 'memory' };
  if (s.startsWith('etcd://')) {
    const rest = s.slice('etcd://'.length);
    const slash = rest.indexOf('/');
    const hostPart = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '/apisix' : rest.slice(slash);
    const hosts = hostPart.split(',').filter(Boolean);
    if (!hosts.length) throw bad('no etcd host');
    for (const h of hosts) {
      if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(h)) throw bad(`etcd host "${h}" is not host:port`);
    }
    if (prefix !== '/' && !/^(\/[A-Za-z0-9_.-]+)+\/?$/.test(prefix)) throw bad(`etcd prefix "${prefix}" is not a /path`);
    return { backend: 'etcd', hosts, prefix };
  }
  if (s.startsWith('yaml:')) {
    const file = s.slice('yaml:'.length);
    if (!file) throw bad('no file path after "yaml:"');
    return { backend: 'yaml', file };
  }
  if (s === 'shdict') return { backend: 'shdict' };
  if (s.startsWith('shdict:')) {
    const socketPath = s.slice('shdict:'.length);
    if (!socketPath) throw bad('no socket path after "shdict:"');
    return { backend: 'shdict', socketPath };
  }
  throw bad('unknown backend');
}

/**
 * Builds the storage a spec names, with validation, queueing and retries around the backend. Only
 * the named backend's module is loaded (required here, not imported): etcd3 with its gRPC stack,
 * koffi with its native library and yaml cost an agent on memory storage ~25 MB of RSS otherwise.
 */
export function createStorage(spec: string, options: CreateStorageOptions = {}): Storage {
  const parsed = parseStorageSpec(spec);
  let backend: Backend;
  switch (parsed.backend) {
    case 'memory':
      backend = new MemoryBackend();
      break;
    case 'etcd': {
      const { EtcdBackend } = require('./etcd-backend.js') as typeof EtcdModule;
      backend = new EtcdBackend({ ...options.etcd, hosts: parsed.hosts, prefix: parsed.prefix });
      break;
    }
    case 'yaml': {
      const { YamlBackend } = require('./yaml-backend.js') as typeof YamlModule;
      backend = new YamlBackend(parsed.file);
      break;
    }
    case 'shdict': {
      const { ShdictBackend } = require('./shdict-backend.js') as typeof ShdictModule;
      backend = new ShdictBackend({ ...options.shdict, ...(parsed.socketPath ? { socketPath: parsed.socketPath } : {}) });
      break;
    }
  }
  return new QueuedStorage(backend, options);
}
