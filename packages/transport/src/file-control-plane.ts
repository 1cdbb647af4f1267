import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadXdsPaths } from '@amesh/translator/loader';
import type { XdsResources } from '@amesh/translator';
import { AdsServer, type AdsServerOptions } from './ads-server.js';
import { buildResourceSnapshot } from './resource-snapshot.js';
import { RESOURCE_TYPES } from './resource-types.js';

export interface FileControlPlaneOptions extends Omit<AdsServerOptions, 'cache'> {
  /** Files or folders of xDS resources, in any format @amesh/translator/loader reads. */
  from: string | readonly string[];
  /** Default 15010 (istiod's plaintext port); 0 picks a free one. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Re-read and re-serve when the files change. */
  watch?: boolean;
  /** Quiet period after a change before reloading (editors write in several steps). Default 100 ms. */
  debounceMs?: number;
  /** Progress and problems, one line each. Default: nothing. */
  log?: (line: string, level: 'info' | 'warn' | 'error') => void;
}

export interface FileControlPlane {
  readonly server: AdsServer;
  readonly port: number;
  /** `grpc://host:port`, what an AdsClient connects to. */
  readonly url: string;
  /** Number of successful loads so far. */
  generation(): number;
  /** The error of the last load, if it failed (the previous snapshot is still served). */
  lastError(): string | undefined;
  /** Reloads now; resolves false (and keeps serving the last good snapshot) when the files are bad. */
  reload(): Promise<boolean>;
  close(): Promise<void>;
}

function countOf(resources: XdsResources): string {
  return `${resources.clusters.length} clusters, ${resources.clusterLoadAssignments.length} endpoint sets, ${resources.listeners.length} listeners, ${resources.routeConfigurations.length} route configurations, ${resources.secrets.length} secrets`;
}

/**
 * xDS can only deliver named resources: nameless ones (static listeners of a bootstrap in a config
 * dump) are left out with a warning rather than failing the whole load.
 */
function servable(resources: XdsResources, warn: (line: string) => void): XdsResources {
  const out = { ...resources };
  for (const type of RESOURCE_TYPES) {
    const all = resources[type.key] as unknown[];
    const named = all.filter((m) => type.nameOf(m as never) !== '');
    if (named.length !== all.length) warn(`${all.length - named.length} ${type.short} resource(s) without a name are not served`);
    (out as Record<keyof XdsResources, unknown[]>)[type.key] = named;
  }
  return out;
}

/**
 * A control plane serving xDS files over ADS (SotW and Delta): what `amesh-xds-server` runs, and
 * what the sidecar starts in-process for `--xds file:PATH`. The first load must succeed (it throws
 * otherwise); later bad edits are reported and the last good snapshot stays served.
 */
export async function startFileControlPlane(options: FileControlPlaneOptions): Promise<FileControlPlane> {
  const paths = typeof options.from === 'string' ? [options.from] : [...options.from];
  const log = options.log ?? (() => undefined);
  const server = new AdsServer(options);
  let generation = 0;
  let lastError: string | undefined;

  const load = async (): Promise<void> => {
    const result = await loadXdsPaths(paths);
    const served = servable(result.resources, (line) => log(line, 'warn'));
    server.cache.setDefaultSnapshot(buildResourceSnapshot(served));
    generation++;
    lastError = undefined;
    log(`serving ${countOf(served)} from ${paths.join(', ')} (load ${generation})`, 'info');
    for (const item of result.report.filter((i) => i.severity !== 'ignored').slice(0, 20)) {
      log(`${item.source}: ${item.kind} ${item.name}${item.path ? ` at ${item.path}` : ''}: ${item.reason}`, 'warn');
    }
  };

  await load(); // Fails loudly: nothing to serve yet.
  const port = await server.listen(options.port ?? 15010, options.host ?? '127.0.0.1');

  const reload = async (): Promise<boolean> => {
    try {
      await load();
      return true;
    } catch (err) {
      lastError = (err as Error).message;
      log(`not reloaded, still serving load ${generation}: ${lastError}`, 'error');
      return false;
    }
  };

  const watchers: fs.FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<unknown> = Promise.resolve();
  if (options.watch) {
    const onChange = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        reloading = reloading.then(reload);
      }, options.debounceMs ?? 100);
    };
    for (const p of paths) {
      // Watch a file through its folder: editors and `mv` replace the file, which ends a file watch.
      const isDir = fs.statSync(p).isDirectory();
      const watched = isDir ? p : path.dirname(p);
      const base = path.basename(p);
      watchers.push(
        fs.watch(watched, { recursive: isDir }, (_event, name) => {
          if (isDir || name === null || name === base) onChange();
        }),
      );
    }
  }

  return {
    server,
    port,
    url: `grpc://${options.host ?? '127.0.0.1'}:${port}`,
    generation: () => generation,
    lastError: () => lastError,
    reload,
    async close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await reloading;
      await server.close();
    },
  };
}
