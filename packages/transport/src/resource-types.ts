import { fromBinary, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Any } from '@bufbuild/protobuf/wkt';
import {
  ClusterSchema,
  Cluster_DiscoveryType,
  ClusterLoadAssignmentSchema,
  DownstreamTlsContextSchema,
  HttpConnectionManagerSchema,
  ListenerSchema,
  RouteConfigurationSchema,
  SecretSchema,
  TypeUrl,
  UpstreamTlsContextSchema,
  type Address,
  type Cluster,
  type ClusterLoadAssignment,
  type CommonTlsContext,
  type FilterChain,
  type Listener,
  type TransportSocket,
  type XdsTypeUrl,
} from '@amesh/proto';
import type { XdsResources } from '@amesh/translator';

import { compactDecoded } from './compact-decoded.js';

const HCM_TYPE_URL = `type.googleapis.com/${HttpConnectionManagerSchema.typeName}`;
const UPSTREAM_TLS_TYPE_URL = `type.googleapis.com/${UpstreamTlsContextSchema.typeName}`;
const DOWNSTREAM_TLS_TYPE_URL = `type.googleapis.com/${DownstreamTlsContextSchema.typeName}`;

/**
 * What the client and the server need to know about one xDS resource type: how to decode and
 * name it, what makes it invalid, and where it lives in XdsResources.
 */
export interface XdsResourceType<S extends DescMessage = DescMessage> {
  typeUrl: XdsTypeUrl;
  schema: S;
  /** Short name used in logs and errors (CDS, EDS, LDS, RDS, SDS). */
  short: string;
  key: keyof XdsResources;
  nameOf(resource: MessageShape<S>): string;
  /** Problems that make Envoy reject the resource; empty when it is usable. */
  validate(resource: MessageShape<S>): string[];
  /** SotW: a resource missing from a response is deleted (LDS, CDS). EDS/RDS responses may be partial. */
  allResourcesRequired: boolean;
  /** Subscribed as a wildcard (every resource of the type) rather than by name. */
  wildcard: boolean;
  /** Held as wire bytes and decoded when needed, not kept decoded (see HeldResource). */
  heldAsBytes: boolean;
}

/**
 * LDS and CDS are subscribed as a wildcard and a state-of-the-world response lists every resource
 * (one missing is deleted); EDS, RDS and SDS are subscribed by name and responses may be partial.
 */
const WILDCARD_TYPE = { allResourcesRequired: true, wildcard: true } as const;
const NAMED_TYPE = { allResourcesRequired: false, wildcard: false } as const;

/** Problems of a socket address's port (a named port has none we can check). */
function portProblems(address: Address | undefined, where: string): string[] {
  if (address?.address.case !== 'socketAddress') return [];
  const ps = address.address.value.portSpecifier;
  const port = ps.case === 'portValue' ? ps.value : undefined;
  return port !== undefined && (port < 0 || port > 65535) ? [`${where}: port ${port} is outside 0-65535`] : [];
}

/** A listener's filter chains, its default chain last. */
function filterChainsOf(listener: Listener): FilterChain[] {
  return listener.defaultFilterChain ? [...listener.filterChains, listener.defaultFilterChain] : listener.filterChains;
}

export const ClusterType: XdsResourceType<typeof ClusterSchema> = {
  typeUrl: TypeUrl.Cluster,
  schema: ClusterSchema,
  short: 'CDS',
  key: 'clusters',
  nameOf: (c) => c.name,
  validate(c) {
    const problems: string[] = [];
    if (!c.name) problems.push('cluster has no name');
    for (const problem of loadAssignmentProblems(c.loadAssignment, `cluster ${c.name} load_assignment`)) problems.push(problem);
    return problems;
  },
  ...WILDCARD_TYPE,
  heldAsBytes: true,
};

function loadAssignmentProblems(cla: ClusterLoadAssignment | undefined, where: string): string[] {
  if (!cla) return [];
  const problems: string[] = [];
  cla.endpoints.forEach((locality, li) =>
    locality.lbEndpoints.forEach((lb, ei) => {
      if (lb.hostIdentifier.case !== 'endpoint') return;
      const address = lb.hostIdentifier.value.address;
      if (address?.address.case !== 'socketAddress') return;
      problems.push(...portProblems(address, `${where} endpoints[${li}].lb_endpoints[${ei}]`));
      if (!address.address.value.address) problems.push(`${where} endpoints[${li}].lb_endpoints[${ei}]: empty address`);
    }),
  );
  return problems;
}

export const EndpointType: XdsResourceType<typeof ClusterLoadAssignmentSchema> = {
  typeUrl: TypeUrl.ClusterLoadAssignment,
  schema: ClusterLoadAssignmentSchema,
  short: 'EDS',
  key: 'clusterLoadAssignments',
  nameOf: (cla) => cla.clusterName,
  validate(cla) {
    const problems = cla.clusterName ? [] : ['ClusterLoadAssignment has no cluster_name'];
    return [...problems, ...loadAssignmentProblems(cla, `ClusterLoadAssignment ${cla.clusterName}`)];
  },
  ...NAMED_TYPE,
  heldAsBytes: true,
};

export const ListenerType: XdsResourceType<typeof ListenerSchema> = {
  typeUrl: TypeUrl.Listener,
  schema: ListenerSchema,
  short: 'LDS',
  key: 'listeners',
  nameOf: (l) => l.name,
  validate(l) {
    const problems: string[] = [];
    if (!l.name) problems.push('listener has no name');
    problems.push(...portProblems(l.address, `listener ${l.name} address`));
    for (const hcm of httpConnectionManagers(l)) {
      if (hcm.problem) problems.push(`listener ${l.name}: ${hcm.problem}`);
      else if (hcm.rds !== undefined && hcm.rds === '') problems.push(`listener ${l.name}: rds without route_config_name`);
    }
    return problems;
  },
  ...WILDCARD_TYPE,
  heldAsBytes: false,
};

export const RouteType: XdsResourceType<typeof RouteConfigurationSchema> = {
  typeUrl: TypeUrl.RouteConfiguration,
  schema: RouteConfigurationSchema,
  short: 'RDS',
  key: 'routeConfigurations',
  nameOf: (r) => r.name,
  validate(r) {
    const problems = r.name ? [] : ['RouteConfiguration has no name'];
    for (const vh of r.virtualHosts) {
      if (vh.domains.length === 0) problems.push(`route ${r.name} virtual host ${vh.name}: no domains`);
    }
    return problems;
  },
  ...NAMED_TYPE,
  heldAsBytes: false,
};

export const SecretType: XdsResourceType<typeof SecretSchema> = {
  typeUrl: TypeUrl.Secret,
  schema: SecretSchema,
  short: 'SDS',
  key: 'secrets',
  nameOf: (s) => s.name,
  validate: (s) => (s.name ? [] : ['Secret has no name']),
  ...NAMED_TYPE,
  heldAsBytes: false,
};

/** Every type amesh subscribes to, in istiod's push order (CDS, EDS, LDS, RDS, SDS). */
export const RESOURCE_TYPES: readonly XdsResourceType[] = [ClusterType, EndpointType, ListenerType, RouteType, SecretType] as
  readonly XdsResourceType[];

export function resourceTypeOf(typeUrl: string): XdsResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.typeUrl === typeUrl);
}

export type DecodedResource =
  | { ok: true; name: string; message: MessageShape<DescMessage>; problems: string[] }
  | { ok: false; name?: string; error: string };

/** Decodes and validates one Any of a response; never throws. */
export function decodeResource(type: XdsResourceType, any: Any | undefined, expectedName?: string): DecodedResource {
  if (!any) return { ok: false, name: expectedName, error: 'resource has no body' };
  if (any.typeUrl !== type.typeUrl) {
    return { ok: false, name: expectedName, error: `resource of type ${any.typeUrl} in a ${type.short} response` };
  }
  let message: MessageShape<DescMessage>;
  try {
    message = compactDecoded(type.schema, fromBinary(type.schema, any.value));
  } catch (err) {
    return { ok: false, name: expectedName, error: `cannot decode ${type.short} resource: ${(err as Error).message}` };
  }
  const name = type.nameOf(message);
  if (expectedName !== undefined && expectedName !== name) {
    return { ok: false, name: expectedName, error: `resource named ${expectedName} holds ${type.short} resource ${name}` };
  }
  return { ok: true, name, message, problems: type.validate(message) };
}

/** The EDS resource a cluster needs, or undefined for clusters that carry their own endpoints. */
export function edsServiceName(cluster: Cluster): string | undefined {
  const isEds = cluster.clusterDiscoveryType.case === 'type' && cluster.clusterDiscoveryType.value === Cluster_DiscoveryType.EDS;
  if (!isEds) return undefined;
  return cluster.edsClusterConfig?.serviceName || cluster.name;
}

interface HcmInfo {
  rds?: string;
  problem?: string;
}

function httpConnectionManagers(listener: Listener): HcmInfo[] {
  const found: HcmInfo[] = [];
  for (const chain of filterChainsOf(listener)) {
    for (const filter of chain.filters) {
      if (filter.configType.case !== 'typedConfig' || filter.configType.value.typeUrl !== HCM_TYPE_URL) continue;
      try {
        const hcm = fromBinary(HttpConnectionManagerSchema, filter.configType.value.value);
        found.push(hcm.routeSpecifier.case === 'rds' ? { rds: hcm.routeSpecifier.value.routeConfigName } : {});
      } catch (err) {
        found.push({ problem: `cannot decode http_connection_manager: ${(err as Error).message}` });
      }
    }
  }
  return found;
}

/** RDS names the listener's HttpConnectionManagers reference. */
export function listenerRouteNames(listener: Listener): string[] {
  const names = new Set<string>();
  for (const hcm of httpConnectionManagers(listener)) if (hcm.rds) names.add(hcm.rds);
  return [...names];
}

function sdsNamesOfContext(ctx: CommonTlsContext | undefined, into: Set<string>): void {
  if (!ctx) return;
  for (const c of ctx.tlsCertificateSdsSecretConfigs) if (c.name) into.add(c.name);
  const v = ctx.validationContextType;
  if (v.case === 'validationContextSdsSecretConfig' && v.value.name) into.add(v.value.name);
  if (v.case === 'combinedValidationContext' && v.value.validationContextSdsSecretConfig?.name) {
    into.add(v.value.validationContextSdsSecretConfig.name);
  }
}

function sdsNamesOfSocket(socket: TransportSocket | undefined, into: Set<string>): void {
  if (socket?.configType.case !== 'typedConfig') return;
  const any = socket.configType.value;
  try {
    if (any.typeUrl === UPSTREAM_TLS_TYPE_URL) sdsNamesOfContext(fromBinary(UpstreamTlsContextSchema, any.value).commonTlsContext, into);
    if (any.typeUrl === DOWNSTREAM_TLS_TYPE_URL) sdsNamesOfContext(fromBinary(DownstreamTlsContextSchema, any.value).commonTlsContext, into);
  } catch {
    // An undecodable TLS context is the translator's to report; it references no secret we can name.
  }
}

/** SDS secret names referenced by a cluster's transport sockets (including transport_socket_matches). */
export function clusterSecretNames(cluster: Cluster): string[] {
  const names = new Set<string>();
  sdsNamesOfSocket(cluster.transportSocket, names);
  for (const m of cluster.transportSocketMatches) sdsNamesOfSocket(m.transportSocket, names);
  return [...names];
}

/** SDS secret names referenced by a listener's filter chains. */
export function listenerSecretNames(listener: Listener): string[] {
  const names = new Set<string>();
  for (const chain of filterChainsOf(listener)) sdsNamesOfSocket(chain.transportSocket, names);
  return [...names];
}

