import { toJson, type JsonValue } from '@bufbuild/protobuf';
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

/**
 * The resource as Envoy's config_dump shows it (proto field names). Typed configs nobody can decode
 * would make toJson throw; then the error stands in for the body rather than failing the whole dump.
 */
export function xdsResourceJson(entry: XdsResourceEntry): JsonValue {
  const options = { registry: envoyRegistry(), useProtoFieldName: true } as const;
  try {
    switch (entry.typeUrl) {
      case TypeUrl.Cluster:
        return toJson(ClusterSchema, entry.message as never, options);
      case TypeUrl.ClusterLoadAssignment:
        return toJson(ClusterLoadAssignmentSchema, entry.message as never, options);
      case TypeUrl.Listener:
        return toJson(ListenerSchema, entry.message as never, options);
      case TypeUrl.RouteConfiguration:
        return toJson(RouteConfigurationSchema, entry.message as never, options);
      case TypeUrl.Secret:
        return toJson(SecretSchema, entry.message as never, options);
    }
  } catch (err) {
    return { error: `cannot render as JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
