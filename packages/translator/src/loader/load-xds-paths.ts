import { readdir, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { LoadResult } from './load-result.js';
import { parseDocumentInto } from './parse-xds-document.js';
import { ResourceCollector } from './resource-collector.js';
import { XdsLoadError } from './xds-load-error.js';

/** File name endings the loader reads when it walks a folder. */
export const XDS_FILE_EXTENSIONS: readonly string[] = ['.json', '.yaml', '.yml', '.golden'];

/**
 * Loads xDS resources from files and folders (folders recursively, files sorted by path so the
 * result does not depend on the file system's order). Named files must be xDS documents; files
 * found in folders that have none of the known shapes (e.g. a policy next to a golden) are skipped
 * and reported. Later definitions of a resource name replace earlier ones, with a report item.
 */
export async function loadXdsPaths(paths: readonly string[]): Promise<LoadResult> {
  if (paths.length === 0) throw new XdsLoadError('(no input)', '', 'expected at least one file or folder of xDS resources', 'io');
  const collector = new ResourceCollector();
  for (const p of paths) {
    const info = await stat(p).catch((err: NodeJS.ErrnoException) => {
      throw new XdsLoadError(p, '', `cannot read: ${err.code === 'ENOENT' ? 'no such file or folder' : err.message}`, 'io');
    });
    if (!info.isDirectory()) {
      parseDocumentInto(collector, await readText(p), p);
      continue;
    }
    const files = await listFiles(p);
    if (files.length === 0) {
      throw new XdsLoadError(p, '', `the folder holds no ${XDS_FILE_EXTENSIONS.join('/')} file`, 'io');
    }
    for (const file of files) {
      try {
        parseDocumentInto(collector, await readText(file), file);
      } catch (err) {
        if (!(err instanceof XdsLoadError) || err.code !== 'shape') throw err;
        collector.report.push({ kind: 'Document', name: '', path: err.path, severity: 'ignored', reason: `not an xDS document, skipped: ${err.problem}`, source: file });
      }
    }
  }
  return collector.result();
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new XdsLoadError(file, '', `cannot read: ${(err as Error).message}`, 'io');
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && XDS_FILE_EXTENSIONS.some((ext) => e.name.endsWith(ext)))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}
