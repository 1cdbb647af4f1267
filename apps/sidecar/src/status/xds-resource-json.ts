import { clone, toJson, type DescMessage, type JsonValue, type Message } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  envoyRegistry,
  ListenerSchema,
  RouteConfigurationSchema,
  SecretSchema,
  TypeUrl,
  type XdsTypeUrl,
} from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';
import { redactSensitive } from './redact-secrets.js';

/** One xDS resource of a snapshot, named and typed, ready to show. */
export interface XdsResourceEntry {
  typeUrl: XdsTypeUrl;
  name: string;
  message: XdsResources[keyof XdsResources][number];
}

/** Every resource of a snapshot with its xDS name, in push order (CDS, EDS, LDS, RDS, SDS). */
export function listXdsResources(r: XdsResources): XdsResourceEntry[] {
  return [
    ...r.clusters.map((m) => ({ typeUrl: TypeUrl.Cluster, name: m.name, message: m })),
    ...r.clusterLoadAssignments.map((m) => ({ typeUrl: TypeUrl.ClusterLoadAssignment, name: m.clusterName, message: m })),
    ...r.listeners.map((m) => ({ typeUrl: TypeUrl.Listener, name: m.name, message: m })),
    ...r.routeConfigurations.map((m) => ({ typeUrl: TypeUrl.RouteConfiguration, name: m.name, message: m })),
    ...r.secrets.map((m) => ({ typeUrl: TypeUrl.Secret, name: m.name, message: m })),
  ];
}

const SCHEMAS = {
  [TypeUrl.Cluster]: ClusterSchema,
  [TypeUrl.ClusterLoadAssignment]: ClusterLoadAssignmentSchema,
  [TypeUrl.Listener]: ListenerSchema,
  [TypeUrl.RouteConfiguration]: RouteConfigurationSchema,
  [TypeUrl.Secret]: SecretSchema,
} as const satisfies Record<XdsTypeUrl, DescMessage>;

/**
 * The resource as Envoy's config_dump shows it (proto field names), with sensitive fields (private
 * keys, passwords) redacted on a copy. Typed configs nobody can decode would make toJson throw; then
 * the error stands in for the body rather than failing the whole dump.
 */
export function xdsResourceJson(entry: XdsResourceEntry): JsonValue {
  const registry = envoyRegistry();
  const schema: DescMessage = SCHEMAS[entry.typeUrl];
  try {
    const copy = clone(schema, entry.message as Message);
    redactSensitive(reflect(schema, copy), registry);
    return toJson(schema, copy, { registry, useProtoFieldName: true });
  } catch (err) {
    return { error: `cannot render as JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
