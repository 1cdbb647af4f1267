import type { Cluster, LbEndpoint, LocalityLbEndpoints, TransportSocket, UpstreamTlsContext } from '@amesh/proto';
import { UpstreamTlsContextSchema } from '@amesh/proto';
import type { JsonObject } from '@bufbuild/protobuf';
import { anyTypeName, decodeAny } from './any-decode.js';
import type { ReportSink } from './report-sink.js';
import { jsonEqual } from './json-equal.js';

/** What one transport socket means for an APISIX upstream. */
export interface SocketPlan {
  tls: boolean;
  /** SDS secret name of the client certificate (`default` for Istio mTLS). */
  clientSecret?: string;
  /** Index of an inline tls_certificates entry used as client certificate. */
  inlineCert?: { context: UpstreamTlsContext; path: string };
  /** Report path of the socket inside the cluster. */
  path: string;
  context?: UpstreamTlsContext;
}

/** The cluster's transport sockets: the matches in order, then the default socket last. */
export interface ClusterSockets {
  plans: SocketPlan[];
  /** Present when the cluster has transport_socket_matches: endpoint -> index into plans. */
  socketOf?: (lbEndpoint: LbEndpoint, locality: LocalityLbEndpoints) => number;
}

const MATCH_KEY = 'envoy.transport_socket_match';
const TLS_TYPE = UpstreamTlsContextSchema.typeName;
const RAW_BUFFER_TYPE = 'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer';

export function clusterSockets(cluster: Cluster, report: ReportSink): ClusterSockets {
  const defaultPlan = socketPlan(cluster.transportSocket, 'transport_socket', report);
  const matches = cluster.transportSocketMatches;
  if (matches.length === 0) return { plans: [defaultPlan] };
  const plans = matches.map((m, i) => socketPlan(m.transportSocket, `transport_socket_matches[${i}].transport_socket`, report));
  plans.push(defaultPlan);
  const criteria = matches.map((m) => m.match ?? {});
  const socketOf = (lbe: LbEndpoint, loc: LocalityLbEndpoints): number => {
    const meta = lbe.metadata?.filterMetadata[MATCH_KEY] ?? loc.metadata?.filterMetadata[MATCH_KEY];
    for (let i = 0; i < criteria.length; i++) if (matchesCriteria(criteria[i]!, meta)) return i;
    return criteria.length;
  };
  return { plans, socketOf };
}

/** Without endpoints to look at: the first match that needs no endpoint metadata, else the default. */
export function planWithoutEndpoints(cluster: Cluster, sockets: ClusterSockets): number {
  const i = cluster.transportSocketMatches.findIndex((m) => !m.match || Object.keys(m.match).length === 0);
  return i >= 0 ? i : sockets.plans.length - 1;
}

function matchesCriteria(criteria: JsonObject, meta: JsonObject | undefined): boolean {
  for (const key in criteria) {
    if (!meta || !jsonEqual(criteria[key]!, meta[key])) return false;
  }
  return true;
}

function socketPlan(ts: TransportSocket | undefined, path: string, report: ReportSink): SocketPlan {
  if (!ts) return { tls: false, path };
  const any = ts.configType.case === 'typedConfig' ? ts.configType.value : undefined;
  const typeName = any ? anyTypeName(any) : '';
  if (typeName === RAW_BUFFER_TYPE || (!any && (ts.name === 'envoy.transport_sockets.raw_buffer' || ts.name === 'raw_buffer'))) {
    return { tls: false, path };
  }
  if (typeName !== TLS_TYPE || !any) {
    report.add(path, 'ignored', `transport socket ${typeName || ts.name || 'unset'} has no APISIX counterpart; plain TCP is used`);
    return { tls: false, path };
  }
  const decoded = decodeAny(any, UpstreamTlsContextSchema);
  if (!decoded.ok) {
    // Plain TCP toward a TLS peer would fail every request; Envoy rejects such a cluster too.
    throw new ClusterRejected(`${path}.typed_config`, decoded.error);
  }
  const context = decoded.message;
  const cpath = `${path}.typed_config`;
  const plan: SocketPlan = { tls: true, path: cpath, context };
  const common = context.commonTlsContext;
  if (common) {
    const sds = common.tlsCertificateSdsSecretConfigs;
    if (sds.length > 0) {
      plan.clientSecret = sds[0]!.name;
      if (sds.length > 1) report.add(`${cpath}.common_tls_context.tls_certificate_sds_secret_configs`, 'ignored', 'APISIX presents one client certificate; the first is used');
    } else if (common.tlsCertificates.length > 0) {
      plan.inlineCert = { context, path: `${cpath}.common_tls_context.tls_certificates[0]` };
      if (common.tlsCertificates.length > 1) report.add(`${cpath}.common_tls_context.tls_certificates`, 'ignored', 'APISIX presents one client certificate; the first is used');
    }
    if (common.tlsCertificateProviderInstance || common.tlsCertificateCertificateProvider || common.tlsCertificateCertificateProviderInstance) {
      report.add(`${cpath}.common_tls_context.tls_certificate_provider_instance`, 'dropped', 'certificate providers have no APISIX counterpart; no client certificate');
    }
    if (common.validationContextType.case !== undefined) {
      report.add(`${cpath}.common_tls_context.validation_context`, 'approximated', 'APISIX does not verify upstream server certificates (CA, SAN matchers are not applied)');
    }
    if (common.alpnProtocols.length > 0) {
      report.add(`${cpath}.common_tls_context.alpn_protocols`, 'ignored', `APISIX offers no ALPN to upstreams (Envoy offers ${common.alpnProtocols.join(',')}); peers that select filter chains by ALPN may see plain TLS`);
    }
    if (common.tlsParams) report.add(`${cpath}.common_tls_context.tls_params`, 'ignored', 'TLS versions/ciphers toward upstreams are set globally in APISIX');
  }
  if (context.sni) {
    report.add(`${cpath}.sni`, 'approximated', `APISIX sends the upstream Host as SNI, not "${context.sni}"`);
  }
  return plan;
}

/** A cluster Envoy itself would reject; the cluster translator drops it with this path and reason. */
export class ClusterRejected extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(reason);
  }
}
