import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { create, toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  DiscoveryResponseSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  SecretSchema,
  TypeUrl,
  typeRegistry,
} from '@amesh/proto';
import type { ResourceKind, StoredObject, StoredState } from '@amesh/storage';
import type { ApisixConfig, XdsResources } from '@amesh/translator';
import { REPO_ROOT } from './sidecar-process.js';

const run = promisify(execFile);
export const TRANSLATE_BIN = path.join(REPO_ROOT, 'packages', 'translator', 'bin', 'amesh-translate.js');

/** Writes the resources as four DiscoveryResponse JSON files (what istiod would push), one per type. */
export function writeXdsFiles(resources: XdsResources, dir: string): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const write = <S extends DescMessage>(file: string, typeUrl: string, schema: S, items: readonly MessageShape<S>[]): string => {
    const response = create(DiscoveryResponseSchema, { versionInfo: '1', typeUrl, resources: items.map((m) => anyPack(schema, m)) });
    const target = path.join(dir, file);
    fs.writeFileSync(target, JSON.stringify(toJson(DiscoveryResponseSchema, response, { registry: typeRegistry() })));
    return target;
  };
  const files = [
    write('cds.json', TypeUrl.Cluster, ClusterSchema, resources.clusters),
    write('eds.json', TypeUrl.ClusterLoadAssignment, ClusterLoadAssignmentSchema, resources.clusterLoadAssignments),
    write('lds.json', TypeUrl.Listener, ListenerSchema, resources.listeners),
    write('rds.json', TypeUrl.RouteConfiguration, RouteConfigurationSchema, resources.routeConfigurations),
  ];
  if (resources.secrets.length > 0) files.push(write('sds.json', TypeUrl.Secret, SecretSchema, resources.secrets));
  return files;
}

/** `amesh-translate FILES --output json`, run as the user would run it. */
export async function ameshTranslate(paths: readonly string[]): Promise<ApisixConfig> {
  const { stdout } = await run(process.execPath, [TRANSLATE_BIN, ...paths, '--output', 'json'], { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 });
  return JSON.parse(stdout) as ApisixConfig;
}

export type ObjectLists = Record<ResourceKind, Record<string, unknown>[]>;
const KINDS: readonly ResourceKind[] = ['routes', 'upstreams', 'ssls', 'stream_routes', 'plugin_configs', 'global_rules'];

/** A configuration as plain JSON lists sorted by id (fields a backend adds on its own removed). */
export function normalizeLists(lists: Partial<Record<ResourceKind, readonly unknown[]>>): ObjectLists {
  const out = {} as ObjectLists;
  for (const kind of KINDS) {
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
  return KINDS.reduce((n, k) => n + lists[k].length, 0);
}
