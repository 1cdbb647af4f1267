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
import type { XdsRef, XdsRefs } from '@amesh/translator';
import { redactSensitive } from './redact-secrets.js';

/** One xDS resource of a snapshot, named and typed; its message is decoded when shown. */
export interface XdsResourceEntry {
  typeUrl: XdsTypeUrl;
  name: string;
  ref: XdsRef<Message>;
}

/** Every resource of a snapshot with its xDS name, in push order (CDS, EDS, LDS, RDS, SDS). */
export function listXdsResources(r: XdsRefs): XdsResourceEntry[] {
  const decoded = (typeUrl: XdsTypeUrl, m: Message & { name: string }): XdsResourceEntry => ({ typeUrl, name: m.name, ref: { name: m.name, message: () => m } });
  return [
    ...r.clusters.map((ref) => ({ typeUrl: TypeUrl.Cluster, name: ref.name, ref })),
    ...r.clusterLoadAssignments.map((ref) => ({ typeUrl: TypeUrl.ClusterLoadAssignment, name: ref.name, ref })),
    ...r.listeners.map((m) => decoded(TypeUrl.Listener, m)),
    ...r.routeConfigurations.map((m) => decoded(TypeUrl.RouteConfiguration, m)),
    ...r.secrets.map((m) => decoded(TypeUrl.Secret, m)),
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
    const copy = clone(schema, entry.ref.message());
    redactSensitive(reflect(schema, copy), registry);
    return toJson(schema, copy, { registry, useProtoFieldName: true });
  } catch (err) {
    return { error: `cannot render as JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
