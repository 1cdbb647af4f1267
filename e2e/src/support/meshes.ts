import { clone, create } from '@bufbuild/protobuf';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import {
  ClusterLoadAssignmentSchema,
  ClusterSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  VirtualHostSchema,
  type Cluster,
  type ClusterLoadAssignment,
} from '@amesh/proto';
import { HttpProtocolOptionsSchema } from '@amesh/proto/gen/envoy/config/core/v3/protocol_pb';
import type { XdsResources } from '@amesh/translator';
import { clusterName, generateMesh } from '../../../tools/bench/src/mesh-generator.js';

export { clusterName };

/** A generated mesh of n services (tools/bench's generator) as XdsResources. */
export function generatedMesh(services: number): XdsResources {
  const m = generateMesh({ services, perNamespace: 10, endpoints: 2 });
  return { ...m, secrets: [] };
}

/** A deep copy, so pushes can be derived from a base mesh without touching it. */
export function copyMesh(r: XdsResources): XdsResources {
  return {
    clusters: r.clusters.map((c) => clone(ClusterSchema, c)),
    clusterLoadAssignments: r.clusterLoadAssignments.map((c) => clone(ClusterLoadAssignmentSchema, c)),
    listeners: r.listeners.map((l) => clone(ListenerSchema, l)),
    routeConfigurations: r.routeConfigurations.map((rc) => clone(RouteConfigurationSchema, rc)),
    secrets: [...r.secrets],
  };
}

function claOf(r: XdsResources, service: number): ClusterLoadAssignment {
  const name = clusterName(service, 10);
  const cla = r.clusterLoadAssignments.find((c) => c.clusterName === name);
  if (!cla) throw new Error(`no ClusterLoadAssignment ${name}`);
  return cla;
}

function socketOf(cla: ClusterLoadAssignment, endpoint: number) {
  const lb = cla.endpoints[0].lbEndpoints[endpoint];
  if (lb.hostIdentifier.case !== 'endpoint') throw new Error('not an endpoint');
  const addr = lb.hostIdentifier.value.address?.address;
  if (addr?.case !== 'socketAddress') throw new Error('not a socket address');
  return { lb, socket: addr.value };
}

/** Moves one endpoint of one service to a new IP. */
export function withEndpointIp(r: XdsResources, service: number, endpoint: number, ip: string): XdsResources {
  const next = copyMesh(r);
  socketOf(claOf(next, service), endpoint).socket.address = ip;
  return next;
}

/** Changes the load-balancing weight of one endpoint. */
export function withEndpointWeight(r: XdsResources, service: number, endpoint: number, weight: number): XdsResources {
  const next = copyMesh(r);
  socketOf(claOf(next, service), endpoint).lb.loadBalancingWeight = weight;
  return next;
}

function clusterOf(r: XdsResources, service: number): Cluster {
  const name = clusterName(service, 10);
  const cluster = r.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`no Cluster ${name}`);
  return cluster;
}

/** A DestinationRule connection-pool edit: one cluster's upstream idle timeout (routes do not read it). */
export function withClusterIdleTimeout(r: XdsResources, service: number, seconds: number): XdsResources {
  const next = copyMesh(r);
  clusterOf(next, service).commonHttpProtocolOptions = create(HttpProtocolOptionsSchema, { idleTimeout: create(DurationSchema, { seconds: BigInt(seconds) }) });
  return next;
}

/** One cluster's connect timeout, which its routes' timeouts take too. */
export function withClusterConnectTimeout(r: XdsResources, service: number, seconds: number): XdsResources {
  const next = copyMesh(r);
  clusterOf(next, service).connectTimeout = create(DurationSchema, { seconds: BigInt(seconds) });
  return next;
}

/** An endpoint on port 70000: Envoy (and our client) rejects the ClusterLoadAssignment. */
export function withInvalidEndpointPort(r: XdsResources, service: number): XdsResources {
  const next = copyMesh(r);
  const { socket } = socketOf(claOf(next, service), 0);
  socket.portSpecifier = { case: 'portValue', value: 70000 };
  return next;
}

/** Removes service i: its cluster, endpoints and virtual host. */
export function withoutService(r: XdsResources, service: number): XdsResources {
  const next = copyMesh(r);
  const name = clusterName(service, 10);
  next.clusters = next.clusters.filter((c) => c.name !== name);
  next.clusterLoadAssignments = next.clusterLoadAssignments.filter((c) => c.clusterName !== name);
  for (const rc of next.routeConfigurations) rc.virtualHosts = rc.virtualHosts.filter((v) => !v.domains.includes(`svc-${service}`));
  return next;
}

/** Adds a service (the generator's service n, taken from a mesh of n+1). */
export function withAddedService(r: XdsResources, service: number): XdsResources {
  const bigger = generatedMesh(service + 1);
  const next = copyMesh(r);
  const name = clusterName(service, 10);
  next.clusters.push(bigger.clusters.find((c) => c.name === name)!);
  next.clusterLoadAssignments.push(bigger.clusterLoadAssignments.find((c) => c.clusterName === name)!);
  const vhost = bigger.routeConfigurations[0].virtualHosts.find((v) => v.domains.includes(`svc-${service}`))!;
  next.routeConfigurations[0].virtualHosts.push(vhost);
  return next;
}

/** The virtual host withUntranslatableRoute adds, and the header its only route needs. */
export const DROPPED_HOST = 'dropped.example';
export const DROPPED_HEADER = 'x.custom';

/**
 * Adds a virtual host whose only route the translator must drop: it matches a header whose name
 * has no nginx variable (a dot in it), so APISIX cannot express the condition.
 */
export function withUntranslatableRoute(r: XdsResources): XdsResources {
  const next = copyMesh(r);
  next.routeConfigurations[0].virtualHosts.push(
    create(VirtualHostSchema, {
      name: `${DROPPED_HOST}:80`,
      domains: [DROPPED_HOST],
      routes: [
        {
          name: 'needs-dotted-header',
          match: { pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: DROPPED_HEADER, headerMatchSpecifier: { case: 'presentMatch', value: true } }] },
          action: { case: 'route', value: { clusterSpecifier: { case: 'cluster', value: clusterName(0, 10) } } },
        },
      ],
    }),
  );
  return next;
}
