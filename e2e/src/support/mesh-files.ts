import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { create, toJson, type Message } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { DiscoveryResponseSchema, typeRegistry } from '@amesh/proto';
import { RESOURCE_KINDS, type ResourceKind, type StoredObject, type StoredState } from '@amesh/storage';
import { waitUntil } from '@amesh/storage/testing';
import type { ApisixConfig, XdsResources } from '@amesh/translator';
import { RESOURCE_TYPES } from '@amesh/transport';
import { REPO_ROOT } from './sidecar-process.js';

const run = promisify(execFile);
export const TRANSLATE_BIN = path.join(REPO_ROOT, 'packages', 'translator', 'bin', 'amesh-translate.js');

/** Writes the resources as DiscoveryResponse JSON files (what istiod would push), one per type (`cds.json`, …; SDS only when there are secrets). */
export function writeXdsFiles(resources: XdsResources, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const type of RESOURCE_TYPES) {
    const items = resources[type.key] as readonly Message[];
    if (type.key === 'secrets' && items.length === 0) continue;
    const response = create(DiscoveryResponseSchema, { versionInfo: '1', typeUrl: type.typeUrl, resources: items.map((m) => anyPack(type.schema, m)) });
    const target = path.join(dir, `${type.short.toLowerCase()}.json`);
    fs.writeFileSync(target, JSON.stringify(toJson(DiscoveryResponseSchema, response, { registry: typeRegistry() })));
    files.push(target);
  }
  return files;
}

/** `amesh-translate FILES --output json`, run as the user would run it. */
export async function ameshTranslate(paths: readonly string[]): Promise<ApisixConfig> {
  const { stdout } = await run(process.execPath, [TRANSLATE_BIN, ...paths, '--output', 'json'], { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(stdout) as ApisixConfig;
}

/** What `amesh-translate` makes of the resources, written as files under `dir` (as a user would run it). */
export async function translatedLists(resources: XdsResources, dir: string): Promise<ObjectLists> {
  return normalizeLists(await ameshTranslate(writeXdsFiles(resources, dir)));
}

export type ObjectLists = Record<ResourceKind, Record<string, unknown>[]>;

/** A configuration as plain JSON lists sorted by id (fields a backend adds on its own removed). */
export function normalizeLists(lists: Partial<Record<ResourceKind, readonly unknown[]>>): ObjectLists {
  const out = {} as ObjectLists;
  for (const kind of RESOURCE_KINDS) {
    const items = (JSON.parse(JSON.stringify(lists[kind] ?? [])) as Record<string, unknown>[]).map((o) => {
      delete o.create_time;
      delete o.update_time;
      return o;
    });
    out[kind] = items.sort((a, b) => String(a.id).localeCompare(String(b.id)));
  }
  return out;
}

export function stateAsLists(state: StoredState): ObjectLists {
  const lists: Partial<Record<ResourceKind, StoredObject[]>> = {};
  for (const [kind, objects] of state) lists[kind] = [...objects.values()];
  return normalizeLists(lists);
}

/** The shared dict's `/kind/id -> json` entries as lists. */
export function shdictAsLists(entries: ReadonlyMap<string, string>): ObjectLists {
  const lists: Partial<Record<ResourceKind, unknown[]>> = {};
  for (const [key, value] of entries) {
    const m = /^\/([a-z_]+)\/(.+)$/.exec(key);
    if (!m) continue;
    (lists[m[1] as ResourceKind] ??= []).push(JSON.parse(value));
  }
  return normalizeLists(lists);
}

export function countObjects(lists: ObjectLists): number {
  return RESOURCE_KINDS.reduce((n, k) => n + lists[k].length, 0);
}

/** Waits until `read` returns exactly `want` (JSON-equal). */
export async function waitForLists(what: string, read: () => Promise<ObjectLists>, want: ObjectLists, timeoutMs: number): Promise<void> {
  const expected = JSON.stringify(want);
  await waitUntil(what, async () => JSON.stringify(await read()) === expected, timeoutMs);
}
