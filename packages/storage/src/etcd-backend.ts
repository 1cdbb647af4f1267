import { Etcd3, GRPCInvalidArgumentError, GRPCResourceExhastedError } from 'etcd3';
import type { Backend, KeyFailure } from './backend.js';
import { StorageCapacityError, StorageUnavailableError, errorMessage } from './errors.js';
import { emptyState, isResourceKind } from './state.js';
import type { Change, StoredObject, StoredState } from './storage.js';

export interface EtcdBackendOptions {
  /** `host:port` endpoints (http:// is added when missing). */
  hosts: readonly string[];
  /** Key prefix, APISIX's `etcd.prefix` (default `/apisix`). */
  prefix?: string;
  /** Deadline of each etcd call (default 5000 ms). */
  callTimeoutMs?: number;
}

/** etcd's defaults: at most 128 operations and 1.5 MiB per request; stay below both. */
const MAX_TXN_OPS = 128;
const MAX_TXN_BYTES = 1024 * 1024;

/** Fields we add to stored values; readAll strips them so callers get back what they applied. */
const TIME_FIELDS = ['create_time', 'update_time'] as const;

/**
 * APISIX's traditional layout: `<prefix>/<kind>/<id>` -> object JSON with `id` and integer
 * `create_time`/`update_time` (seconds; create_time kept across updates). A batch is written as a
 * sequence of transactions in safe order, each all-or-nothing, so a route never points at a
 * missing upstream even when the batch is larger than one transaction.
 */
export class EtcdBackend implements Backend {
  readonly name: string;
  private readonly client: Etcd3;
  private readonly prefix: string;
  /** create_time of every key we know (loaded from etcd before the first write). */
  private createTimes?: Map<string, number>;

  constructor(options: EtcdBackendOptions) {
    this.prefix = normalizePrefix(options.prefix ?? '/apisix');
    this.name = `etcd://${options.hosts.join(',')}${this.prefix}`;
    const timeout = options.callTimeoutMs ?? 5000;
    this.client = new Etcd3({
      hosts: options.hosts.map((h) => (h.includes('://') ? h : `http://${h}`)),
      dialTimeout: timeout,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
  }

  key(kind: string, id: string): string {
    return `${this.prefix}/${kind}/${id}`;
  }

  async write(changes: readonly Change[]): Promise<readonly KeyFailure[]> {
    const createTimes = await this.loadCreateTimes();
    const now = Math.floor(Date.now() / 1000);
    const failures: KeyFailure[] = [];
    for (const chunk of chunks(changes, (c) => this.encode(c, createTimes, now))) {
      try {
        await this.client.kv.txn({
          success: chunk.map(({ change, key, value }) =>
            value === undefined
              ? { request_delete_range: { key: Buffer.from(key) } }
              : { request_put: { key: Buffer.from(key), value: Buffer.from(value) } },
          ),
        });
      } catch (err) {
        const first = chunk[0]!;
        const tooBig = err instanceof GRPCInvalidArgumentError || err instanceof GRPCResourceExhastedError;
        if (tooBig && chunk.length === 1) {
          failures.push({
            change: first.change,
            error: new StorageCapacityError(
              `${this.name}: etcd refused ${first.key} (${first.value?.length ?? 0} bytes): ${errorMessage(err)}`,
              this.name,
              first.key,
              { cause: err },
            ),
          });
          continue;
        }
        throw new StorageUnavailableError(
          `${this.name}: transaction of ${chunk.length} change(s) starting at ${first.key} failed: ${errorMessage(err)}`,
          this.name,
          first.key,
          { cause: err },
        );
      }
      for (const { change, key } of chunk) {
        if (change.op === 'put') {
          if (!createTimes.has(key)) createTimes.set(key, now);
        } else createTimes.delete(key);
      }
    }
    return failures;
  }

  async readAll(): Promise<StoredState> {
    return (await this.readRaw()).state;
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private encode(change: Change, createTimes: Map<string, number>, now: number): EncodedChange {
    const key = this.key(change.kind, change.id);
    if (change.op === 'delete') return { change, key };
    const value = { ...change.value, id: change.id, create_time: createTimes.get(key) ?? now, update_time: now };
    return { change, key, value: JSON.stringify(value) };
  }

  private async loadCreateTimes(): Promise<Map<string, number>> {
    if (this.createTimes) return this.createTimes;
    const { createTimes } = await this.readRaw();
    return (this.createTimes = createTimes);
  }

  private async readRaw(): Promise<{ state: StoredState; createTimes: Map<string, number> }> {
    let raw: Record<string, string>;
    try {
      raw = await this.client.getAll().prefix(`${this.prefix}/`).strings();
    } catch (err) {
      throw new StorageUnavailableError(`${this.name}: cannot read ${this.prefix}/: ${errorMessage(err)}`, this.name, `${this.prefix}/`, {
        cause: err,
      });
    }
    const state = emptyState();
    const createTimes = new Map<string, number>();
    for (const [key, json] of Object.entries(raw)) {
      const [kind, id, ...rest] = key.slice(this.prefix.length + 1).split('/');
      // APISIX keeps other things under the prefix (plugins list, data_plane, …): skip them.
      if (!kind || !id || rest.length || !isResourceKind(kind)) continue;
      let value: StoredObject;
      try {
        value = JSON.parse(json) as StoredObject;
      } catch {
        continue;
      }
      if (typeof value.create_time === 'number') createTimes.set(key, value.create_time);
      for (const f of TIME_FIELDS) delete value[f];
      state.get(kind)!.set(id, { ...value, id });
    }
    return { state, createTimes };
  }
}

interface EncodedChange {
  change: Change;
  key: string;
  /** undefined for a delete. */
  value?: string;
}

function* chunks(changes: readonly Change[], encode: (c: Change) => EncodedChange): Generator<EncodedChange[]> {
  let chunk: EncodedChange[] = [];
  let bytes = 0;
  for (const change of changes) {
    const e = encode(change);
    const size = e.key.length + (e.value?.length ?? 0) + 16;
    if (chunk.length && (chunk.length >= MAX_TXN_OPS || bytes + size > MAX_TXN_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(e);
    bytes += size;
  }
  if (chunk.length) yield chunk;
}

function normalizePrefix(prefix: string): string {
  const p = `/${prefix.replace(/^\/+|\/+$/g, '')}`;
  return p === '/' ? '' : p;
}
