import { create } from '@bufbuild/protobuf';
import { anyPack, DurationSchema } from '@bufbuild/protobuf/wkt';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  Cluster_DiscoveryType,
  HttpConnectionManagerSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  type Cluster,
  type ClusterLoadAssignment,
  type Listener,
  type RouteConfiguration,
} from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';

export function edsCluster(name: string, serviceName = ''): Cluster {
  return create(ClusterSchema, {
    name,
    clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
    edsClusterConfig: { serviceName, edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
    connectTimeout: create(DurationSchema, { seconds: 1n }),
  });
}

export function cla(clusterName: string, ips: string[], port = 8080): ClusterLoadAssignment {
  return create(ClusterLoadAssignmentSchema, {
    clusterName,
    endpoints: [
      {
        lbEndpoints: ips.map((ip) => ({
          hostIdentifier: {
            case: 'endpoint' as const,
            value: { address: { address: { case: 'socketAddress' as const, value: { address: ip, portSpecifier: { case: 'portValue' as const, value: port } } } } },
          },
        })),
      },
    ],
  });
}

export function rdsListener(name: string, port: number, routeName: string): Listener {
  const hcm = create(HttpConnectionManagerSchema, {
    statPrefix: name,
    routeSpecifier: { case: 'rds', value: { routeConfigName: routeName, configSource: { configSourceSpecifier: { case: 'ads', value: {} } } } },
  });
  return create(ListenerSchema, {
    name,
    address: { address: { case: 'socketAddress', value: { address: '0.0.0.0', portSpecifier: { case: 'portValue', value: port } } } },
    filterChains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', configType: { case: 'typedConfig', value: anyPack(HttpConnectionManagerSchema, hcm) } }] }],
  });
}

export function routeConfig(name: string, cluster: string, domain = '*'): RouteConfiguration {
  return create(RouteConfigurationSchema, {
    name,
    virtualHosts: [
      {
        name: `${domain}:${name}`,
        domains: [domain],
        routes: [{ match: { pathSpecifier: { case: 'prefix', value: '/' } }, action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: cluster } } } }],
      },
    ],
  });
}

/** The endpoint IP smallMesh gives service i. */
export function meshIp(i: number, base = 1): string {
  return `10.${(i >> 8) & 255}.${i & 255}.${base}`;
}

/** A small mesh: n services, each an EDS cluster with endpoints, all routed from listener 0.0.0.0_80. */
export function smallMesh(n: number, endpointBase = 1): XdsResources {
  const names = Array.from({ length: n }, (_, i) => `outbound|80||svc-${i}.default.svc.cluster.local`);
  return {
    clusters: names.map((c) => edsCluster(c)),
    clusterLoadAssignments: names.map((c, i) => cla(c, [meshIp(i, endpointBase)])),
    listeners: [rdsListener('0.0.0.0_80', 80, '80')],
    routeConfigurations: [routeConfig('80', names[0] ?? 'none')],
    secrets: [],
  };
}

/** Polls `check` until it returns a truthy value, failing after `ms`. */
export async function eventually<T>(check: () => T | undefined | false, ms = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
