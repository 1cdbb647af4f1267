import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Backend, KeyFailure } from './backend.js';
import { StorageUnavailableError, errorMessage } from './errors.js';
import { formatStandalone, parseStandalone, type StandaloneFormat } from './standalone-format.js';
import { applyToState, cloneState, emptyState } from './state.js';
import type { Change, StoredState } from './storage.js';

/**
 * APISIX standalone mode: the whole state in one file, replaced atomically (temp file, fsync,
 * rename). APISIX notices a new file by its mtime in whole seconds, so every write gets an mtime
 * at least one second past the previous one. Mode 0600: the file can hold private keys.
 */
export class YamlBackend implements Backend {
  readonly name: string;
  readonly format: StandaloneFormat;
  private state?: StoredState;
  private lastMtimeSec = 0;
  private tmpSeq = 0;

  constructor(readonly file: string) {
    this.format = file.endsWith('.json') ? 'json' : 'yaml';
    this.name = `yaml:${file}`;
  }

  async write(changes: readonly Change[]): Promise<readonly KeyFailure[]> {
    const next = applyToState(cloneState(await this.load()), changes);
    await this.writeFile(formatStandalone(next, this.format));
    this.state = next;
    return [];
  }

  async readAll(): Promise<StoredState> {
    return cloneState(await this.load());
  }

  async close(): Promise<void> {}

  /** The file's content on first use (we own the file: unparseable content is replaced). */
  private async load(): Promise<StoredState> {
    if (this.state) return this.state;
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
      this.lastMtimeSec = Math.floor((await fs.stat(this.file)).mtimeMs / 1000);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.state = emptyState());
      throw this.error('read', err);
    }
    try {
      this.state = parseStandalone(text, this.format);
    } catch {
      this.state = emptyState();
    }
    return this.state;
  }

  private async writeFile(content: string): Promise<void> {
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.${++this.tmpSeq}.tmp`);
    try {
      const fh = await fs.open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(content);
        // Force the mtime only when the file's own (whole-second) mtime would not move forward.
        let mtimeSec = Math.floor((await fh.stat()).mtimeMs / 1000);
        if (mtimeSec <= this.lastMtimeSec) {
          mtimeSec = this.lastMtimeSec + 1;
          await fh.utimes(mtimeSec, mtimeSec);
        }
        await fh.chmod(0o600);
        await fh.sync();
        this.lastMtimeSec = mtimeSec;
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, this.file);
      await syncDir(path.dirname(this.file));
    } catch (err) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      throw this.error('write', err);
    }
  }

  private error(what: string, err: unknown): StorageUnavailableError {
    return new StorageUnavailableError(`${this.name}: cannot ${what} ${this.file}: ${errorMessage(err)}`, this.name, this.file, {
      cause: err,
    });
  }
}

/** Makes the rename itself durable. */
async function syncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
