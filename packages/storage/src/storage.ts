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

/** What a storage reports for metrics (the sidecar counts these in prom-client). */
export type StorageEvent =
  | { type: 'write'; backend: string; count: number; durationMs: number }
  | { type: 'retry'; backend: string; attempt: number; delayMs: number; pending: number; error: Error }
  | { type: 'error'; backend: string; error: Error }
  | { type: 'reconnect'; backend: string; replayed: number };

export type StorageObserver = (event: StorageEvent) => void;

export interface RetryPolicy {
  /** First delay after a failed write (default 100 ms); doubles per attempt. */
  initialDelayMs?: number;
  /** Cap on the delay (default 5000 ms). */
  maxDelayMs?: number;
}

export interface StorageOptions {
  /** Metric hook: called for every write, retry, error and reconnect. Must not throw. */
  onEvent?: StorageObserver;
  retry?: RetryPolicy;
  /**
   * How long `apply` waits for its changes to be written before rejecting with
   * StorageUnavailableError (default 30 s). The changes stay queued and are still written later.
   */
  applyTimeoutMs?: number;
  /** Validate objects against APISIX's schemas before writing (default true). */
  validate?: boolean;
}
