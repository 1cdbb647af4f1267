import { create } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { ClusterSchema, Cluster_DiscoveryType, HttpConnectionManagerSchema, ListenerSchema, LocalitySchema } from '@amesh/proto';
import { RouterSchema } from '@amesh/proto/gen/envoy/extensions/filters/http/router/v3/router_pb';
import { register } from '@grpc/grpc-js-xds';
import { validateBootstrapConfig } from '@grpc/grpc-js-xds/build/src/xds-bootstrap';
import { Watcher, XdsClient } from '@grpc/grpc-js-xds/build/src/xds-client';
import { ClusterResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/cluster-resource-type';
import { EndpointResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/endpoint-resource-type';
import { ListenerResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/listener-resource-type';
import { RouteConfigurationResourceType } from '@grpc/grpc-js-xds/build/src/xds-resource-type/route-config-resource-type';
import { AdsServer } from '../src/ads-server.js';
import { cla, eventually, routeConfig } from './fixtures.js';

/** Resources as a gRPC client consumes them: an API listener whose HCM reads routes over RDS. */
function grpcMesh(endpointIp: string) {
  const hcm = create(HttpConnectionManagerSchema, {
    routeSpecifier: { case: 'rds', value: { routeConfigName: 'route-a', configSource: { configSourceSpecifier: { case: 'ads', value: {} } } } },
    httpFilters: [{ name: 'router', configType: { case: 'typedConfig', value: anyPack(RouterSchema, create(RouterSchema)) } }],
  });
  const endpoints = cla('cluster-a', [endpointIp], 50051);
  endpoints.endpoints[0]!.locality = create(LocalitySchema, { region: 'r1', zone: 'z1' });
  endpoints.endpoints[0]!.loadBalancingWeight = 1;
  return {
    listeners: [create(ListenerSchema, { name: 'svc-a.default:50051', apiListener: { apiListener: anyPack(HttpConnectionManagerSchema, hcm) } })],
    routeConfigurations: [routeConfig('route-a', 'cluster-a')],
    clusters: [
      create(ClusterSchema, {
        name: 'cluster-a',
        clusterDiscoveryType: { case: 'type', value: Cluster_DiscoveryType.EDS },
        edsClusterConfig: { edsConfig: { configSourceSpecifier: { case: 'ads', value: {} } } },
      }),
    ],
    clusterLoadAssignments: [endpoints],
    secrets: [],
  };
}

interface Seen<T> {
  updates: T[];
  errors: string[];
  missing: number;
}

function watcher<T>(): { seen: Seen<T>; watcher: Watcher<T> } {
  const seen: Seen<T> = { updates: [], errors: [], missing: 0 };
  return {
    seen,
    watcher: new Watcher<T>({
      onResourceChanged: (u: T) => void seen.updates.push(u),
      onError: (s) => void seen.errors.push(s.details),
      onResourceDoesNotExist: () => void seen.missing++,
    }),
  };
}

describe('interop: @grpc/grpc-js-xds XdsClient against AdsServer', () => {
  beforeAll(() => register());

  it('accepts listeners, routes, clusters and endpoints, and follows an endpoint update', async () => {
    const server = new AdsServer();
    server.cache.setDefaultSnapshot(grpcMesh('10.1.2.3'));
    const port = await server.listen(0);
    const bootstrap = validateBootstrapConfig({
      xds_servers: [{ server_uri: `127.0.0.1:${port}`, channel_creds: [{ type: 'insecure' }], server_features: [] }],
      node: { id: 'grpc-interop~1', cluster: 'interop', locality: {} },
    });
    const client = new XdsClient(bootstrap);
    const l = watcher<unknown>();
    const r = watcher<unknown>();
    const c = watcher<unknown>();
    const e = watcher<{ endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string } } } }[] }[] }>();
    ListenerResourceType.startWatch(client, 'svc-a.default:50051', l.watcher as never);
    RouteConfigurationResourceType.startWatch(client, 'route-a', r.watcher as never);
    ClusterResourceType.startWatch(client, 'cluster-a', c.watcher as never);
    EndpointResourceType.startWatch(client, 'cluster-a', e.watcher as never);
    try {
      await eventually(() => [l, r, c, e].every((w) => w.seen.updates.length > 0), 10000, 'all four resources');
      for (const w of [l, r, c, e]) {
        expect(w.seen.errors).toEqual([]);
        expect(w.seen.missing).toBe(0);
      }
      const ip = (): string | undefined => e.seen.updates.at(-1)?.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address.address;
      expect(ip()).toBe('10.1.2.3');
      expect(server.cache.nacks()).toEqual([]);
      server.cache.setDefaultSnapshot(grpcMesh('10.4.5.6'));
      await eventually(() => ip() === '10.4.5.6', 10000, 'endpoint update');
      expect(server.clients()[0]).toEqual(expect.objectContaining({ nodeId: 'grpc-interop~1', protocol: 'sotw' }));
      expect(server.cache.nacks()).toEqual([]);
    } finally {
      ListenerResourceType.cancelWatch(client, 'svc-a.default:50051', l.watcher as never);
      RouteConfigurationResourceType.cancelWatch(client, 'route-a', r.watcher as never);
      ClusterResourceType.cancelWatch(client, 'cluster-a', c.watcher as never);
      EndpointResourceType.cancelWatch(client, 'cluster-a', e.watcher as never);
      await server.close();
    }
  });
});
