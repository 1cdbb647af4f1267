import type { Cluster } from '@amesh/proto';
import { ClusterSchema } from '@amesh/proto';
import { isFieldSet, ScalarType, type DescField } from '@bufbuild/protobuf';
import type { ReportSeverity } from './translation-report.js';
import type { ReportSink } from './report-sink.js';

/** Cluster fields translated elsewhere, or without effect on what APISIX does. */
const HANDLED = new Set([
  'name',
  'type',
  'cluster_type',
  'eds_cluster_config',
  'connect_timeout',
  'lb_policy',
  'load_assignment',
  'health_checks',
  'max_requests_per_connection',
  'circuit_breakers',
  'common_http_protocol_options',
  'http_protocol_options',
  'http2_protocol_options',
  'typed_extension_protocol_options',
  'outlier_detection',
  'ring_hash_lb_config',
  'maglev_lb_config',
  'original_dst_lb_config',
  'least_request_lb_config',
  'round_robin_lb_config',
  'common_lb_config',
  'transport_socket',
  'transport_socket_matches',
  'load_balancing_policy',
  // No effect on APISIX behaviour: stats names, metadata, warming (the `complete` set covers it),
  // DNS tuning (reported once per DNS cluster), ORIGINAL_DST host cleanup.
  'alt_stat_name',
  'metadata',
  'track_cluster_stats',
  'wait_for_warm_on_init',
  'cleanup_interval',
  'dns_refresh_rate',
  'dns_failure_refresh_rate',
  'respect_dns_ttl',
  'dns_lookup_family',
  'dns_resolvers',
  'use_tcp_for_dns_lookups',
  'dns_resolution_config',
  'typed_dns_resolver_config',
  'ignore_health_on_host_removal',
]);

const REASONS: Record<string, [ReportSeverity, string]> = {
  per_connection_buffer_limit_bytes: ['ignored', 'buffer sizes are nginx-wide settings in APISIX'],
  filters: ['ignored', 'upstream network filters (e.g. Istio metadata exchange) have no APISIX counterpart'],
  upstream_connection_options: ['ignored', 'TCP keepalive toward upstreams is not set per upstream in APISIX'],
  upstream_bind_config: ['ignored', 'source address binding is not set per upstream in APISIX'],
  lb_subset_config: ['approximated', 'subset load balancing is not supported: every node is a candidate'],
  close_connections_on_host_health_failure: ['ignored', 'APISIX keeps pooled connections when a node turns unhealthy'],
  preconnect_policy: ['ignored', 'APISIX does not preconnect'],
  lrs_server: ['ignored', 'load reporting (LRS) is not supported'],
  lrs_report_endpoint_metrics: ['ignored', 'load reporting (LRS) is not supported'],
  upstream_config: ['ignored', 'custom upstream connection pools have no APISIX counterpart'],
  protocol_selection: ['approximated', 'APISIX picks the upstream protocol from the scheme, not from the downstream protocol'],
  upstream_http_protocol_options: ['ignored', 'auto SNI / SAN validation: APISIX sends the upstream Host as SNI and does not verify'],
  track_timeout_budgets: ['ignored', 'stats only'],
  connection_pool_per_downstream_connection: ['ignored', 'APISIX pools connections per worker'],
};

/** google.protobuf.FeatureSet.FieldPresence.IMPLICIT, as DescField.presence holds it. */
const IMPLICIT_PRESENCE = 2;

/**
 * Presence tests written out for the fields REASONS knows, as presenceTest would make them:
 * each reads its own property by name (fast), where the generic test reads `c[key]` with one
 * call site for every field (a slow megamorphic load, per field of every cluster of a mesh).
 */
const NAMED_TESTS: Readonly<Record<string, readonly [kind: string, test: (c: Cluster) => boolean]>> = {
  per_connection_buffer_limit_bytes: ['message', (c) => c.perConnectionBufferLimitBytes !== undefined],
  upstream_http_protocol_options: ['message', (c) => c.upstreamHttpProtocolOptions !== undefined],
  upstream_bind_config: ['message', (c) => c.upstreamBindConfig !== undefined],
  lb_subset_config: ['message', (c) => c.lbSubsetConfig !== undefined],
  protocol_selection: ['enum', (c) => c.protocolSelection !== 0],
  upstream_connection_options: ['message', (c) => c.upstreamConnectionOptions !== undefined],
  close_connections_on_host_health_failure: ['bool', (c) => c.closeConnectionsOnHostHealthFailure !== false],
  filters: ['list', (c) => c.filters.length > 0],
  lrs_server: ['message', (c) => c.lrsServer !== undefined],
  lrs_report_endpoint_metrics: ['list', (c) => c.lrsReportEndpointMetrics.length > 0],
  track_timeout_budgets: ['bool', (c) => c.trackTimeoutBudgets !== false],
  upstream_config: ['message', (c) => c.upstreamConfig !== undefined],
  preconnect_policy: ['message', (c) => c.preconnectPolicy !== undefined],
  connection_pool_per_downstream_connection: ['bool', (c) => c.connectionPoolPerDownstreamConnection !== false],
};

/**
 * The fields to look at with a cheap "is it set" test each, computed once from the schema (a
 * named test only where the field has the kind the test assumes; any other field, e.g. one a
 * newer schema adds, gets the generic test).
 */
const UNHANDLED: readonly { name: string; isSet: (c: Cluster) => boolean }[] = ClusterSchema.fields
  .filter((f) => !HANDLED.has(f.name))
  .map((f) => ({ name: f.name, isSet: namedTest(f) ?? presenceTest(f) }));

function namedTest(f: DescField): ((c: Cluster) => boolean) | undefined {
  const named = Object.hasOwn(NAMED_TESTS, f.name) ? NAMED_TESTS[f.name] : undefined;
  if (!named || f.oneof) return undefined;
  // Only where the field still has the kind (and zero value) the test was written for.
  const implicit = f.presence === IMPLICIT_PRESENCE;
  const fits =
    named[0] === 'message' ? f.fieldKind === 'message' && !implicit
    : named[0] === 'list' ? f.fieldKind === 'list'
    : named[0] === 'bool' ? f.fieldKind === 'scalar' && f.scalar === ScalarType.BOOL && implicit
    : f.fieldKind === 'enum' && implicit && f.enum.values[0]!.number === 0;
  return fits ? named[1] : undefined;
}

function presenceTest(f: DescField): (c: Cluster) => boolean {
  const key = f.localName;
  const get = (c: Cluster): unknown => (c as unknown as Record<string, unknown>)[key];
  if (f.oneof) return (c) => isFieldSet(c, f);
  // Implicit presence (proto3 singular): set means not the zero value, as isFieldSet tests it.
  if (f.presence === IMPLICIT_PRESENCE) {
    if (f.fieldKind === 'enum') {
      const zero = f.enum.values[0]!.number;
      return (c) => get(c) !== zero;
    }
    if (f.fieldKind === 'scalar' && f.scalar === ScalarType.BOOL) return (c) => get(c) !== false;
    if (f.fieldKind === 'scalar' && f.scalar === ScalarType.STRING) return (c) => get(c) !== '';
  }
  switch (f.fieldKind) {
    case 'list':
      return (c) => (get(c) as unknown[]).length > 0;
    case 'map':
      return (c) => Object.keys(get(c) as object).length > 0;
    case 'message':
      return (c) => get(c) !== undefined;
    default:
      return (c) => isFieldSet(c, f);
  }
}

/** Reports every set Cluster field that no part of the translation handles. */
export function clusterFieldsReport(cluster: Cluster, sink: ReportSink): void {
  for (const field of UNHANDLED) {
    if (!field.isSet(cluster)) continue;
    const known = REASONS[field.name];
    sink.add(field.name, known ? known[0] : 'ignored', known ? known[1] : 'no APISIX counterpart');
  }
  const cb = cluster.circuitBreakers;
  if (cb) {
    const limits: string[] = [];
    cb.thresholds.forEach((t, i) => {
      for (const [k, v] of [
        ['max_connections', t.maxConnections],
        ['max_pending_requests', t.maxPendingRequests],
        ['max_requests', t.maxRequests],
        ['max_retries', t.maxRetries],
        ['max_connection_pools', t.maxConnectionPools],
      ] as const) {
        if (v !== undefined && v < 0xffffffff) limits.push(`thresholds[${i}].${k}=${v}`);
      }
      if (t.retryBudget) limits.push(`thresholds[${i}].retry_budget`);
    });
    if (cb.perHostThresholds.length > 0) limits.push('per_host_thresholds');
    // Istio sets every limit to 2^32-1, i.e. unlimited, which is what APISIX does anyway.
    if (limits.length > 0) {
      sink.add('circuit_breakers', 'ignored', `APISIX has no connection/request circuit breakers; not enforced: ${limits.join(', ')}`);
    }
  }
}
