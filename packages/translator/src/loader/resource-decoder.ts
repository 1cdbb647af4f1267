import { fromJson, type JsonValue, type Message } from '@bufbuild/protobuf';
import { envoyRegistry, typeRegistry } from '@amesh/proto';
import type { ReportSeverity } from '../translation-report.js';
import type { RawEntry } from './document-entries.js';
import { locateJsonError } from './json-error-locator.js';
import { field } from './json-path.js';
import { normalizeResourceJson } from './typed-config-normalizer.js';
import { XdsLoadError } from './xds-load-error.js';

export interface ResourceNote {
  path: string;
  severity: ReportSeverity;
  reason: string;
}

export interface DecodedResource {
  name: string;
  message: Message;
  notes: ResourceNote[];
}

/**
 * Decodes one resource's proto-JSON (snake_case or camelCase) into its protobuf-es message.
 * Unknown typed configs are kept (see normalizeResourceJson) and listed in `notes`; a value of the
 * wrong type throws an XdsLoadError naming the file, the JSON path and what is expected there.
 */
export function decodeEntry(entry: RawEntry, source: string): DecodedResource {
  const { info } = entry;
  const json = { ...entry.json };
  const given = field(json, info.nameField);
  if ((given === undefined || given === '') && entry.nameHint !== undefined) json[info.nameField] = entry.nameHint;
  const registry = envoyRegistry();
  const notes: ResourceNote[] = [];
  const normalized = normalizeResourceJson(info.schema, json, {
    registry,
    generated: typeRegistry(),
    note: (path, severity, reason) => notes.push({ path, severity, reason }),
  });
  let message: Message;
  try {
    message = fromJson(info.schema, normalized as JsonValue, { registry });
  } catch (err) {
    const found = locateJsonError(info.schema, normalized, registry, entry.path, (err as Error).message);
    throw new XdsLoadError(source, found.path, `invalid ${info.kind}: ${found.problem}`);
  }
  const named = message as { name?: string; clusterName?: string };
  return { name: (info.kind === 'ClusterLoadAssignment' ? named.clusterName : named.name) ?? '', message, notes };
}
