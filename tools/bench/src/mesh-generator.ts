import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack, DurationSchema } from '@bufbuild/protobuf/wkt';
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  ClusterLoadAssignmentSchema,
  DiscoveryResponseSchema,
  HttpConnectionManagerSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  TypeUrl,
  type Cluster,
  type ClusterLoadAssignment,
  type DiscoveryResponse,
  type Listener,
  type RouteConfiguration,
} from '@amesh/proto';

export interface GeneratedMesh {
  clusters: Cluster[];
  clusterLoadAssignments: ClusterLoadAssignment[];
  listeners: Listener[];
  routeConfigurations: RouteConfiguration[];
}

export interface MeshShape {
  /** Number of services (default 10,000). */
  services: number;
  /** Services per namespace (default 100). */
  perNamespace?: number;
  /** Endpoints per service (default 3). */
  endpoints?: number;
}

/** The outbound cluster name Istio gives service i. */
export function clusterName(i: number, perNamespace = 100): string {
  return `outbound|80||svc-${i}.ns-${Math.floor(i / perNamespace)}.svc.cluster.local`;
}

/**
 * An Istio-like sidecar view of a mesh: one EDS cluster per service, a CLA with `endpoints`
 * endpoints, one RouteConfiguration "80" with a virtual host per service, and the 0.0.0.0_80 listener.
 */
export function generateMesh(shape: MeshShape): GeneratedMesh {
  const perNs = shape.perNamespace ?? 100;
  const eps = shape.endpoints ?? 3;
  const clusters: Cluster[] = [];
  const clusterLoadAssignments: ClusterLoadAssignment[] = [];
  const virtualHosts = [];
  for (let i = 0; i < shape.services; i++) {
    const name = clusterName(i, perNs);
    const fqdn = `svc-${i}.ns-${Math.floor(i / perNs)}.svc.cluster.local`;
    clusters.push(
      create(ClusterSchema, {
        name,
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
        edsClusterConfig: { serviceName: name, edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
        connectTimeout: create(DurationSchema, { seconds: 10n }),
      }),
    );
    clusterLoadAssignments.push(
      create(ClusterLoadAssignmentSchema, {
        clusterName: name,
        endpoints: [
          {
            lbEndpoints: Array.from({ length: eps }, (_, e) => ({
              hostIdentifier: {
                case: 'endpoint' as const,
                value: {
                  address: {
                    address: {
                      case: 'socketAddress' as const,
                      value: { address: endpointIp(i, e), portSpecifier: { case: 'portValue' as const, value: 8080 } },
                    },
                  },
                },
              },
              loadBalancingWeight: 1,
            })),
          },
        ],
      }),
    );
    virtualHosts.push({
      name: `${fqdn}:80`,
      // As Istio lists them: every name also with the listener port (Envoy matches Host literally).
      domains: [fqdn, `${fqdn}:80`, `svc-${i}`, `svc-${i}:80`, `svc-${i}.ns-${Math.floor(i / perNs)}`, `svc-${i}.ns-${Math.floor(i / perNs)}:80`],
      routes: [
        {
          name: 'default',
          match: { pathSpecifier: { case: 'prefix' as const, value: '/' } },
          action: {
            case: 'route' as const,
            value: { clusterSpecifier: { case: 'cluster' as const, value: name }, timeout: create(DurationSchema, {}) },
          },
        },
      ],
    });
  }
  const routeConfigurations = [create(RouteConfigurationSchema, { name: '80', virtualHosts })];
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: 'outbound_0.0.0.0_80',
    routeSpecifier: {
      case: 'rds',
      value: { routeConfigName: '80', configSource: { configSourceSpecifier: { case: 'ads', value: {} } } },
    },
  });
  const listeners = [
    create(ListenerSchema, {
      name: '0.0.0.0_80',
      address: {
        address: { case: 'socketAddress', value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: 80 } } },
      },
      filterChains: [
        {
          filters: [
            {
              name: 'envoy.filters.network.http_connection_manager',
              configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) },
            },
          ],
        },
      ],
    }),
  ];
  return { clusters, clusterLoadAssignments, listeners, routeConfigurations };
}

/** A distinct IPv4 address per (service, endpoint) inside 10.0.0.0/8. */
export function endpointIp(service: number, endpoint: number): string {
  const n = service * 8 + endpoint + 1;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** The mesh as the four DiscoveryResponses istiod would push, in push order (CDS, EDS, LDS, RDS). */
export function meshAsDiscoveryResponses(mesh: GeneratedMesh): Uint8Array[] {
  const one = (typeUrl: string, msgs: { schema: Parameters<typeof anyPack>[0]; items: unknown[] }): DiscoveryResponse =>
    create(DiscoveryResponseSchema, {
      versionInfo: '1',
      typeUrl,
      nonce: '1',
      resources: msgs.items.map((m) => anyPack(msgs.schema, m as never)),
    });
  return [
    one(TypeUrl.Cluster, { schema: ClusterSchema, items: mesh.clusters }),
    one(TypeUrl.ClusterLoadAssignment, { schema: ClusterLoadAssignmentSchema, items: mesh.clusterLoadAssignments }),
    one(TypeUrl.Listener, { schema: ListenerSchema, items: mesh.listeners }),
    one(TypeUrl.RouteConfiguration, { schema: RouteConfigurationSchema, items: mesh.routeConfigurations }),
  ].map((r) => toBinary(DiscoveryResponseSchema, r));
}
