import type { Backend, KeyFailure } from './backend.js';
import { changeKey, safeOrder } from './change-order.js';
import { StorageError, StorageTimeoutError, StorageValidationError, errorMessage } from './errors.js';
import { checkChange } from './object-validation.js';
import type { Change, Storage, StorageEvent, StorageHealth, StorageOptions, StoredState } from './storage.js';

interface PendingEntry {
  change: Change;
  /** Sequence number of the apply() that queued this version of the key. */
  seq: number;
}

interface Waiter {
  seq: number;
  keys: string[];
  resolve: () => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * The part every backend shares: refuses schema-invalid objects, queues accepted changes coalesced
 * per key, writes them in safe order, retries failures with exponential backoff, and reports
 * events. A change leaves the queue only once its backend confirmed the write (or a newer change
 * of the same key replaced it), so nothing accepted is lost while the backend is down.
 */
export class QueuedStorage implements Storage {
  readonly name: string;
  private readonly pending = new Map<string, PendingEntry>();
  private readonly waiters = new Set<Waiter>();
  private seq = 0;
  private draining?: Promise<void>;
  private wake?: () => void;
  private attempt = 0;
  private closed = false;
  private healthy = true;
  private lastError?: Error;
  private lastWriteAt?: number;
  private readonly initialDelay: number;
  private readonly maxDelay: number;
  private readonly applyTimeout: number;

  constructor(
    private readonly backend: Backend,
    private readonly options: StorageOptions = {},
  ) {
    this.name = backend.name;
    this.initialDelay = options.retry?.initialDelayMs ?? 100;
    this.maxDelay = options.retry?.maxDelayMs ?? 5000;
    this.applyTimeout = options.applyTimeoutMs ?? 30_000;
    backend.setObserver?.((replayed) => this.emit({ type: 'reconnect', backend: this.name, replayed }));
  }

  async apply(changes: readonly Change[]): Promise<void> {
    if (this.closed) throw new StorageError(`${this.name}: apply() after close()`, this.name);
    const invalid = [];
    const keys: string[] = [];
    const seq = ++this.seq;
    for (const change of changes) {
      const problem = checkChange(change, this.options.validate ?? true);
      if (problem) {
        invalid.push(problem);
        continue;
      }
      const key = changeKey(change.kind, change.id);
      this.pending.set(key, { change, seq });
      keys.push(key);
    }
    const refused = invalid.length ? new StorageValidationError(this.name, invalid) : undefined;
    if (refused) this.emit({ type: 'error', backend: this.name, error: refused });
    if (keys.length) {
      const written = this.waitFor(seq, keys);
      this.kick();
      await written;
    }
    if (refused) throw refused;
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0 && !this.draining) return;
    this.kick();
    const keys = [...this.pending.keys()];
    await new Promise<void>((resolve, reject) => this.waiters.add({ seq: this.seq, keys, resolve, reject }));
  }

  readAll(): Promise<StoredState> {
    return this.backend.readAll();
  }

  health(): StorageHealth {
    return {
      backend: this.name,
      healthy: this.healthy,
      pending: this.pending.size,
      ...(this.lastError ? { lastError: this.lastError.message } : {}),
      ...(this.lastWriteAt !== undefined ? { lastWriteAt: this.lastWriteAt } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.();
    await this.draining;
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new StorageError(`${this.name}: closed with ${this.pending.size} change(s) unwritten`, this.name));
    }
    this.waiters.clear();
    await this.backend.close();
  }

  private waitFor(seq: number, keys: string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { seq, keys, resolve, reject };
      if (this.applyTimeout > 0 && Number.isFinite(this.applyTimeout)) {
        waiter.timer = setTimeout(() => {
          this.waiters.delete(waiter);
          const left = keys.filter((k) => this.isPending(k, seq));
          reject(new StorageTimeoutError(this.name, left, this.lastError, this.applyTimeout));
        }, this.applyTimeout);
      }
      this.waiters.add(waiter);
    });
  }

  /** Is the version of `key` queued by apply #seq (or an older one) still unwritten? */
  private isPending(key: string, seq: number): boolean {
    const entry = this.pending.get(key);
    return entry !== undefined && entry.seq <= seq;
  }

  private settleWaiters(): void {
    for (const w of this.waiters) {
      if (w.keys.some((k) => this.isPending(k, w.seq))) continue;
      clearTimeout(w.timer);
      this.waiters.delete(w);
      w.resolve();
    }
  }

  private kick(): void {
    if (this.draining) {
      // New work while waiting out a per-key failure: no need to wait for the whole backoff.
      if (this.healthy) this.wake?.();
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.pending.size && !this.closed) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.closed) {
      const batch = [...this.pending.values()];
      const ordered = safeOrder(batch.map((e) => e.change));
      const started = performance.now();
      let failures: readonly KeyFailure[];
      try {
        failures = await this.backend.write(ordered);
      } catch (err) {
        await this.failed(asStorageError(err, this.name), false);
        continue;
      }
      const failed = new Set(failures.map((f) => changeKey(f.change.kind, f.change.id)));
      for (const entry of batch) {
        const key = changeKey(entry.change.kind, entry.change.id);
        // Written, unless a newer change of the key arrived meanwhile (that one stays queued).
        if (!failed.has(key) && this.pending.get(key) === entry) this.pending.delete(key);
      }
      const written = batch.length - failed.size;
      if (written > 0) {
        this.lastWriteAt = Date.now();
        this.emit({ type: 'write', backend: this.name, count: written, durationMs: performance.now() - started });
      }
      this.settleWaiters();
      if (failures.length) {
        for (const f of failures) this.emit({ type: 'error', backend: this.name, error: f.error });
        await this.failed(failures[0]!.error, true);
        continue;
      }
      this.attempt = 0;
      this.healthy = true;
      this.lastError = undefined;
    }
  }

  private async failed(error: StorageError, backendUp: boolean): Promise<void> {
    this.attempt++;
    this.healthy = backendUp;
    this.lastError = error;
    if (!backendUp) this.emit({ type: 'error', backend: this.name, error });
    const delayMs = Math.min(this.maxDelay, this.initialDelay * 2 ** (this.attempt - 1));
    this.emit({ type: 'retry', backend: this.name, attempt: this.attempt, delayMs, pending: this.pending.size, error });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delayMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wake = undefined;
  }

  private emit(event: StorageEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A metrics hook must never break writes.
    }
  }
}

function asStorageError(err: unknown, backend: string): StorageError {
  if (err instanceof StorageError) return err;
  return new StorageError(`${backend}: write failed: ${errorMessage(err)}`, backend, undefined, { cause: err });
}
