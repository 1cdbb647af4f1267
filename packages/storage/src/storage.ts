/**
 * One interface for every place APISIX reads configuration from. Storage knows nothing of xDS:
 * it stores APISIX objects by resource kind and id.
 */

/** APISIX resource kinds, as they appear in keys (`/routes/<id>`, `<prefix>/upstreams/<id>`). */
export type ResourceKind = 'routes' | 'upstreams' | 'ssls' | 'stream_routes' | 'plugin_configs' | 'global_rules';

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  'upstreams',
  'ssls',
  'plugin_configs',
  'global_rules',
  'routes',
  'stream_routes',
];

/** An APISIX object as stored: its JSON, with the string `id` that is also its key suffix. */
export interface StoredObject {
  id: string;
  [field: string]: unknown;
}

export type Change =
  | { op: 'put'; kind: ResourceKind; id: string; value: StoredObject }
  | { op: 'delete'; kind: ResourceKind; id: string };

/** What a backend holds: kind -> id -> object. */
export type StoredState = Map<ResourceKind, Map<string, StoredObject>>;

export interface StorageHealth {
  backend: string;
  healthy: boolean;
  /** Changes accepted but not yet written (coalesced per key). */
  pending: number;
  lastError?: string;
  lastWriteAt?: number;
}

export interface Storage {
  /** e.g. `memory`, `etcd://127.0.0.1:2379/apisix`, `yaml:/etc/apisix/apisix.yaml`. */
  readonly name: string;
  /**
   * Applies a batch in safe order (upstreams and ssls before the routes that use them, deletions
   * the other way round), atomically as far as the backend allows. Resolves once written. While the
   * backend is down the changes stay queued (coalesced per key) and are retried; nothing accepted
   * is dropped. Rejects only for changes that can never be written (e.g. schema violations).
   */
  apply(changes: readonly Change[]): Promise<void>;
  /** What the backend holds now (for resync after a restart). */
  readAll(): Promise<StoredState>;
  /** Waits until every accepted change is written. */
  flush(): Promise<void>;
  health(): StorageHealth;
  close(): Promise<void>;
}
