import type { DescMessage } from '@bufbuild/protobuf';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  SecretSchema,
  TypeUrl,
  typeNameOf,
} from '@amesh/proto';
import type { XdsKind, XdsResources } from '../xds-resources.js';

/** How the loader treats one of the five resource kinds amesh translates. */
export interface ResourceKindInfo {
  kind: XdsKind;
  typeName: string;
  schema: DescMessage;
  /** The XdsResources list it goes into. */
  list: keyof XdsResources;
  /** The JSON field holding its name (`cluster_name` for CLAs). */
  nameField: string;
}

export const RESOURCE_KINDS: readonly ResourceKindInfo[] = [
  { kind: 'Cluster', typeName: typeNameOf(TypeUrl.Cluster), schema: ClusterSchema, list: 'clusters', nameField: 'name' },
  {
    kind: 'ClusterLoadAssignment',
    typeName: typeNameOf(TypeUrl.ClusterLoadAssignment),
    schema: ClusterLoadAssignmentSchema,
    list: 'clusterLoadAssignments',
    nameField: 'cluster_name',
  },
  { kind: 'Listener', typeName: typeNameOf(TypeUrl.Listener), schema: ListenerSchema, list: 'listeners', nameField: 'name' },
  {
    kind: 'RouteConfiguration',
    typeName: typeNameOf(TypeUrl.RouteConfiguration),
    schema: RouteConfigurationSchema,
    list: 'routeConfigurations',
    nameField: 'name',
  },
  { kind: 'Secret', typeName: typeNameOf(TypeUrl.Secret), schema: SecretSchema, list: 'secrets', nameField: 'name' },
];

const byTypeName = new Map(RESOURCE_KINDS.map((k) => [k.typeName, k]));
const byKind = new Map(RESOURCE_KINDS.map((k) => [k.kind, k]));

/** The kind for a type URL or type name; undefined for types amesh does not translate. */
export function kindOfType(typeUrlOrName: string): ResourceKindInfo | undefined {
  return byTypeName.get(typeNameOf(typeUrlOrName));
}

export function kindInfo(kind: XdsKind): ResourceKindInfo {
  const info = byKind.get(kind);
  if (!info) throw new Error(`unknown xDS kind ${kind}`);
  return info;
}

/** The DiscoveryResponse wrapper used by Delta xDS and some dumps: {name, resource: Any}. */
export const RESOURCE_WRAPPER_TYPE = 'envoy.service.discovery.v3.Resource';

/**
 * Envoy Gateway goldens carry no `@type`: the kind is in the file name (`x.routes.yaml`).
 */
export function kindFromFileName(source: string): ResourceKindInfo | undefined {
  const base = source.split(/[\\/]/).pop() ?? source;
  const hints: [RegExp, XdsKind][] = [
    [/\.(routes|route_configs?|rds)\./i, 'RouteConfiguration'],
    [/\.(clusters|cds)\./i, 'Cluster'],
    [/\.(endpoints|cla|eds)\./i, 'ClusterLoadAssignment'],
    [/\.(listeners|lds)\./i, 'Listener'],
    [/\.(secrets|sds)\./i, 'Secret'],
  ];
  const hit = hints.find(([re]) => re.test(base));
  return hit ? kindInfo(hit[1]) : undefined;
}
