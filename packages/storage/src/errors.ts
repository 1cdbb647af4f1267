import type { ResourceKind } from './storage.js';

/** Base of every storage error: says which backend, which key (if any) and why. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly backend: string,
    readonly key?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface InvalidChange {
  kind: ResourceKind;
  id: string;
  /** One line per schema violation: `<json pointer>: <message>`. */
  reasons: string[];
}

/** Objects refused before anything was written: they fail APISIX's schema (or their id is wrong). */
export class StorageValidationError extends StorageError {
  constructor(
    backend: string,
    readonly invalid: readonly InvalidChange[],
  ) {
    super(
      `${backend}: refused ${invalid.length} object(s) that APISIX would reject: ` +
        invalid.map((c) => `/${c.kind}/${c.id} (${c.reasons.join('; ')})`).join(', '),
      backend,
      invalid[0] ? `/${invalid[0].kind}/${invalid[0].id}` : undefined,
    );
  }
}

/** The backend could not be reached or refused the write; the changes stay queued and are retried. */
export class StorageUnavailableError extends StorageError {}

/** The backend has no room for this value (e.g. a full shared dict); retried, nothing was evicted. */
export class StorageCapacityError extends StorageError {}

/** A write of one key failed for another reason the backend reported. Retried. */
export class StorageWriteError extends StorageError {}

/** The storage spec or options are wrong; fix the configuration. */
export class StorageConfigError extends StorageError {}

/** apply() gave up waiting; the changes are still queued and will be written on recovery. */
export class StorageTimeoutError extends StorageError {
  constructor(
    backend: string,
    readonly keys: readonly string[],
    readonly lastError: Error | undefined,
    timeoutMs: number,
  ) {
    super(
      `${backend}: ${keys.length} change(s) not written after ${timeoutMs} ms (still queued, will be retried): ` +
        `${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''}` +
        (lastError ? `; last error: ${lastError.message}` : ''),
      backend,
      keys[0],
      { cause: lastError },
    );
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
