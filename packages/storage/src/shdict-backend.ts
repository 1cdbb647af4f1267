import type { Backend, KeyFailure } from './backend.js';
import { changeKey } from './change-order.js';
import { StorageCapacityError, StorageUnavailableError, StorageWriteError, errorMessage } from './errors.js';
import { BridgeConnection, DEFAULT_XDS_SOCKET, LIBXDS_PATH } from './shdict-native.js';
import {
  DICT_CONFIG,
  DICT_VERSION,
  OP_BATCH,
  OP_FLUSH,
  RC_NO_MEMORY,
  RC_OK,
  encodeItems,
  itemSize,
  type ShdictItem,
} from './shdict-protocol.js';
import { applyToState, cloneState, emptyState, stateAsChanges, stateSize } from './state.js';
import type { Change, StoredState } from './storage.js';

export interface ShdictBackendOptions {
  /** The Unix socket libxds serves inside nginx (AMESH_XDS_SOCKET there; default /tmp/amesh-xds.sock). */
  socketPath?: string;
  /** The libxds.so to call (default: the one this package built). */
  libraryPath?: string;
  /** Deadline for one request's reply (default 60 s). */
  requestTimeoutMs?: number;
  /** How often to check that nginx's side is still there, to replay promptly after a reload (default 1000 ms). */
  watchIntervalMs?: number;
}

/** Bound one request's size so a 20k-object sync does not need one huge buffer on both sides. */
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

/**
 * APISIX's `xds` config provider, fed through libxds.so. Each batch writes the objects into
 * `xds-config`, then a new `version` into `xds-config-version` (APISIX re-reads everything when it
 * changes). The dict cannot be enumerated through lua-nginx-module's FFI, so this backend owns it:
 * every (re)connection first empties `xds-config`, replays the full state it has written, then
 * bumps the version. readAll returns that state.
 */
export class ShdictBackend implements Backend {
  readonly name: string;
  private readonly socketPath: string;
  private readonly libraryPath: string;
  private readonly timeoutMs: number;
  private conn?: BridgeConnection;
  /** Everything this backend has written successfully: what the dict holds. */
  private readonly committed = emptyState();
  private version = 0;
  private everConnected = false;
  private lock: Promise<unknown> = Promise.resolve();
  private readonly watch?: NodeJS.Timeout;
  private onReconnect?: (replayed: number) => void;

  constructor(options: ShdictBackendOptions = {}) {
    this.socketPath = options.socketPath ?? process.env.AMESH_XDS_SOCKET ?? DEFAULT_XDS_SOCKET;
    this.libraryPath = options.libraryPath ?? LIBXDS_PATH;
    this.timeoutMs = options.requestTimeoutMs ?? 60_000;
    this.name = `shdict:${this.socketPath}`;
    const every = options.watchIntervalMs ?? 1000;
    if (every > 0) {
      this.watch = setInterval(() => void this.exclusive(() => this.replayIfLost()).catch(() => undefined), every);
      this.watch.unref();
    }
  }

  setObserver(emit: (replayed: number) => void): void {
    this.onReconnect = emit;
  }

  write(changes: readonly Change[]): Promise<readonly KeyFailure[]> {
    return this.exclusive(async () => {
      const conn = await this.connection();
      const failures = await this.send(conn, changes);
      if (failures.length < changes.length) await this.bumpVersion(conn);
      return failures;
    });
  }

  async readAll(): Promise<StoredState> {
    return cloneState(this.committed);
  }

  async close(): Promise<void> {
    if (this.watch) clearInterval(this.watch);
    await this.lock.catch(() => undefined);
    this.conn?.close();
    this.conn = undefined;
  }

  /** Runs one operation at a time on the connection (writes and the reconnect watcher). */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async replayIfLost(): Promise<void> {
    if (!this.everConnected || (this.conn && this.conn.alive())) return;
    await this.connection();
  }

  /** The live connection; a new one is emptied and replayed before use. */
  private async connection(): Promise<BridgeConnection> {
    if (this.conn?.alive()) return this.conn;
    this.conn?.close();
    this.conn = undefined;
    let conn: BridgeConnection;
    try {
      conn = BridgeConnection.connect(this.socketPath, this.libraryPath);
    } catch (err) {
      throw new StorageUnavailableError(`${this.name}: ${errorMessage(err)}`, this.name, undefined, { cause: err });
    }
    try {
      await conn.request(OP_FLUSH, Buffer.alloc(0), 0, this.timeoutMs);
      const replay = stateAsChanges(this.committed);
      const failures = await this.send(conn, replay);
      if (failures.length) throw failures[0]!.error;
      if (this.everConnected || replay.length) await this.bumpVersion(conn);
      if (this.everConnected) this.onReconnect?.(replay.length);
      this.everConnected = true;
    } catch (err) {
      conn.close();
      throw err;
    }
    this.conn = conn;
    return conn;
  }

  /**
   * Writes changes in order, in bounded requests; records what was written. Requests are
   * pipelined with encoding: while libxds stores one request (koffi runs the call on a worker
   * thread), the event loop serializes the next one. Requests still go out one at a time, in order.
   */
  private async send(conn: BridgeConnection, changes: readonly Change[]): Promise<KeyFailure[]> {
    const failures: KeyFailure[] = [];
    let inflight: Promise<void> = Promise.resolve();
    let batch: Change[] = [];
    let items: ShdictItem[] = [];
    let bytes = 0;
    const submit = async (batch: Change[], items: ShdictItem[], body: Buffer, previous: Promise<void>): Promise<void> => {
      await previous;
      let results;
      try {
        results = await conn.request(OP_BATCH, body, items.length, this.timeoutMs);
      } catch (err) {
        conn.close();
        throw new StorageUnavailableError(
          `${this.name}: lost the bridge while writing ${items.length} object(s) from ${items[0]!.key}: ${errorMessage(err)}`,
          this.name,
          items[0]!.key,
          { cause: err },
        );
      }
      const written: Change[] = [];
      results.forEach((r, i) => {
        const change = batch[i]!;
        if (r.rc === RC_OK) written.push(change);
        else failures.push({ change, error: this.itemError(items[i]!, r.rc, r.message) });
      });
      applyToState(this.committed, written);
    };
    const cut = async () => {
      if (!items.length) return;
      inflight = submit(batch, items, encodeItems(items), inflight);
      // Observed at the final await; this only keeps an early failure from being "unhandled".
      inflight.catch(() => undefined);
      batch = [];
      items = [];
      bytes = 0;
      // Let the previous request's completion run before serializing more.
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    for (const change of changes) {
      const key = changeKey(change.kind, change.id);
      const item: ShdictItem =
        change.op === 'put'
          ? { dict: DICT_CONFIG, key, value: JSON.stringify(change.value.id === change.id ? change.value : { ...change.value, id: change.id }) }
          : { dict: DICT_CONFIG, key, delete: true };
      // UTF-16 length: close enough to bound a request, without measuring every string twice.
      const size = key.length + ('value' in item ? item.value.length : 0) + 12;
      if (items.length && bytes + size > MAX_REQUEST_BYTES) await cut();
      batch.push(change);
      items.push(item);
      bytes += size;
    }
    await cut();
    await inflight;
    return failures;
  }

  private itemError(item: ShdictItem, rc: number, message: string): StorageCapacityError | StorageWriteError {
    const size = itemSize(item);
    if (rc === RC_NO_MEMORY) {
      return new StorageCapacityError(
        `${this.name}: no room for ${item.key} (${size} bytes) in lua_shared_dict xds-config: ${message}; ` +
          `nothing was evicted — enlarge the dict (lua_shared_dict xds-config <size>)`,
        this.name,
        item.key,
      );
    }
    return new StorageWriteError(`${this.name}: storing ${item.key} failed: ${message}`, this.name, item.key);
  }

  /** Written last: any change of `version` makes every APISIX worker re-read the dict. */
  private async bumpVersion(conn: BridgeConnection): Promise<void> {
    this.version = Math.max(this.version + 1, Date.now());
    const item: ShdictItem = { dict: DICT_VERSION, key: 'version', number: this.version };
    let results;
    try {
      results = await conn.request(OP_BATCH, encodeItems([item]), 1, this.timeoutMs);
    } catch (err) {
      conn.close();
      throw new StorageUnavailableError(`${this.name}: lost the bridge while bumping the version: ${errorMessage(err)}`, this.name, 'version', {
        cause: err,
      });
    }
    const r = results[0]!;
    if (r.rc !== RC_OK) throw this.itemError(item, r.rc, r.message);
  }

  /** For tests and the bench: how many objects the dict should hold. */
  get size(): number {
    return stateSize(this.committed);
  }
}
