import type { JsonValue } from '@bufbuild/protobuf';
import type { ResourceKind, StoredObject } from '@amesh/storage';
import type { TranslationReport } from '@amesh/translator';
import type { NackRecord, XdsSnapshot } from '@amesh/transport';
import { redactApisixObject } from './redact-secrets.js';
import { listXdsResources, xdsResourceJson } from './xds-resource-json.js';

export interface ConfigDumpInput {
  /** The newest snapshot received (what the control plane sent, as accepted). */
  snapshot: XdsSnapshot | undefined;
  /** The APISIX objects as written. */
  written: Record<ResourceKind, StoredObject[]>;
  nacks: readonly NackRecord[];
  report: TranslationReport;
}

export interface ConfigDump {
  filter?: string;
  xds: {
    versions: XdsSnapshot['versions'];
    resources: { type_url: string; name: string; version?: string; resource: JsonValue }[];
  };
  apisix: Record<ResourceKind, StoredObject[]>;
  nacks: NackRecord[];
  report: TranslationReport;
}

/**
 * The debug dump: xDS as received (with versions), APISIX as written, NACKs and the translation
 * report, with private keys redacted on both sides ("[redacted]", as Envoy's admin does). With `name`, only what mentions it: xDS resources and report items whose name contains
 * it, APISIX objects whose id, name or desc contains it, NACKs that name it.
 */
export function buildConfigDump(input: ConfigDumpInput, name?: string): ConfigDump {
  const has = (s: string | undefined): boolean => name === undefined || (s !== undefined && s.includes(name));
  const versionOf = new Map<string, string>();
  for (const r of input.snapshot?.received ?? []) versionOf.set(`${r.typeUrl}\0${r.name}`, r.version);
  const resources = input.snapshot
    ? listXdsResources(input.snapshot.resources)
        .filter((e) => has(e.name))
        .map((e) => ({
          type_url: e.typeUrl,
          name: e.name,
          version: versionOf.get(`${e.typeUrl}\0${e.name}`),
          resource: xdsResourceJson(e),
        }))
    : [];
  const apisix = {} as Record<ResourceKind, StoredObject[]>;
  for (const [kind, objects] of Object.entries(input.written) as [ResourceKind, StoredObject[]][]) {
    apisix[kind] = objects
      .filter((o) => has(o.id) || has(o.name as string | undefined) || has(o.desc as string | undefined))
      .map((o) => redactApisixObject(kind, o));
  }
  return {
    ...(name !== undefined ? { filter: name } : {}),
    xds: { versions: input.snapshot?.versions ?? {}, resources },
    apisix,
    nacks: input.nacks.filter((n) => name === undefined || n.names.some(has) || n.reason.includes(name)),
    report: input.report.filter((i) => has(i.name)),
  };
}
