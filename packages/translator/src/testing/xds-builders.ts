import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import {
  ClusterSchema,
  HttpConnectionManagerSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  TcpProxySchema,
  type Cluster,
  type Listener,
  type RouteConfiguration,
} from '@amesh/proto';
import { emptyXdsResources, type XdsResources } from '../xds-resources.js';

/** Hand-built xDS resources for tests. */

export type RouteConfigInit = MessageInitShape<typeof RouteConfigurationSchema>;
export type VirtualHostInit = NonNullable<RouteConfigInit['virtualHosts']>[number];
export type RouteInit = NonNullable<VirtualHostInit['routes']>[number];

/** A STATIC cluster with one endpoint per address (complete without EDS). */
export function staticCluster(name: string, ...hosts: string[]): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: 0 },
    connectTimeout: { seconds: 1n, nanos: 0 },
    loadAssignment: {
      clusterName: name,
      endpoints: [
        {
          lbEndpoints: hosts.map((h) => ({
            hostIdentifier: {
              case: 'endpoint' as const,
              value: { address: { address: { case: 'socketAddress' as const, value: { address: h, portSpecifier: { case: 'portValue' as const, value: 8080 } } } } },
            },
          })),
        },
      ],
    },
  });
}

/** An EDS cluster (incomplete until a ClusterLoadAssignment arrives). */
export function edsCluster(name: string): Cluster {
  return create(ClusterSchema, { name, clusterDiscoveryType: { case: 'type', value: 3 }, edsClusterConfig: { serviceName: '' } });
}

export function routeConfig(init: RouteConfigInit): RouteConfiguration {
  return create(RouteConfigurationSchema, init);
}

function socket(address: string, port: number) {
  return { address: { case: 'socketAddress' as const, value: { address, portSpecifier: { case: 'portValue' as const, value: port } } } };
}

/** Istio-style `0.0.0.0_<port>` listener with an HCM reading RDS `rds`. */
export function httpListener(port: number, rds: string, name = `0.0.0.0_${port}`, address = '0.0.0.0'): Listener {
  return hcmListener(name, address, port, { case: 'rds', value: { routeConfigName: rds } });
}

/** A listener with an inline route_config. */
export function inlineHttpListener(name: string, port: number, rc: RouteConfigInit): Listener {
  return hcmListener(name, '0.0.0.0', port, { case: 'routeConfig', value: rc });
}

type RouteSpecifierInit = NonNullable<MessageInitShape<typeof HttpConnectionManagerSchema>['routeSpecifier']>;

function hcmListener(name: string, address: string, port: number, routeSpecifier: RouteSpecifierInit): Listener {
  const hcm = create(HttpConnectionManagerSchema, { statPrefix: name, routeSpecifier });
  return create(ListenerSchema, {
    name,
    address: socket(address, port),
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) } }] }],
  });
}

/** A `<address>_<port>` listener with tcp_proxy to `cluster` (SNI chains when serverNames given). */
export function tcpListener(address: string, port: number, cluster: string, serverNames: string[] = []): Listener {
  const tp = create(TcpProxySchema, { statPrefix: cluster, clusterSpecifier: { case: 'cluster', value: cluster } });
  return create(ListenerSchema, {
    name: `${address}_${port}`,
    address: socket(address, port),
    filterChains: [
      {
        filterChainMatch: serverNames.length ? { serverNames, transportProtocol: 'tls' } : undefined,
        filters: [{ name: 'envoy.filters.network.tcp_proxy', configType: { case: 'typedConfig', value: anyPack(TcpProxySchema, tp) } }],
      },
    ],
  });
}

export function resources(parts: Partial<XdsResources>): XdsResources {
  return { ...emptyXdsResources(), ...parts };
}

/** A route to `cluster` with a prefix match. */
export function prefixRoute(prefix: string, cluster: string, extra: Partial<RouteInit> = {}): RouteInit {
  const base: RouteInit = { match: { pathSpecifier: { case: 'prefix', value: prefix } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } } };
  return { ...base, ...extra } as RouteInit;
}
