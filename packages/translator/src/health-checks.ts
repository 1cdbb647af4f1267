import type { Cluster, HealthCheck, OutlierDetection } from '@amesh/proto';
import { durationSeconds, ceilSeconds } from './duration.js';
import { nodeHost } from './node-address.js';
import type { ReportSink } from './report-sink.js';

/** APISIX upstream `checks` (active required by its schema; passive optional). */
export interface ApisixChecks {
  active: Record<string, unknown>;
  passive?: Record<string, unknown>;
}

const METHODS = ['GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;
const ALL_5XX = [500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511];
const GATEWAY_5XX = [502, 503, 504];

/**
 * health_checks -> checks.active, outlier_detection -> checks.passive. APISIX accepts passive
 * checks only beside active ones, so outlier detection alone gets a TCP connect probe every
 * base_ejection_time: it readmits ejected nodes, as Envoy does after the ejection time.
 */
export function checksFromCluster(cluster: Cluster, tls: boolean, report: ReportSink): ApisixChecks | undefined {
  let active: Record<string, unknown> | undefined;
  if (cluster.healthChecks.length > 0) {
    active = activeCheck(cluster.healthChecks[0]!, tls, report);
    for (let i = 1; i < cluster.healthChecks.length; i++) {
      report.add(`health_checks[${i}]`, 'ignored', 'APISIX runs one active health check per upstream; only health_checks[0] is used');
    }
  }
  let passive: Record<string, unknown> | undefined;
  if (cluster.outlierDetection) {
    const od = cluster.outlierDetection;
    passive = passiveCheck(od, report);
    if (passive && !active) {
      const every = ceilSeconds(durationSeconds(od.baseEjectionTime) ?? 30);
      active = { type: 'tcp', healthy: { interval: every, successes: 1 }, unhealthy: { interval: every, tcp_failures: 1, timeouts: 1 } };
      report.add('outlier_detection', 'approximated', `APISIX needs an active check beside passive ones: a TCP connect probe every ${every}s stands in for Envoy's timed un-ejection`);
    }
  }
  if (!active) return undefined;
  return passive ? { active, passive } : { active };
}

function activeCheck(hc: HealthCheck, tls: boolean, report: ReportSink): Record<string, unknown> | undefined {
  const at = 'health_checks[0]';
  const interval = ceilSeconds(durationSeconds(hc.interval) ?? 1);
  const unhealthyInterval = hc.unhealthyInterval ? ceilSeconds(durationSeconds(hc.unhealthyInterval) ?? interval) : interval;
  const successes = clamp(hc.healthyThreshold ?? 1, 1, 254);
  const failures = clamp(hc.unhealthyThreshold ?? 1, 1, 254);
  const out: Record<string, unknown> = {};
  const checker = hc.healthChecker;
  if (checker.case === 'httpHealthCheck') {
    const h = checker.value;
    out.type = tls ? 'https' : 'http';
    if (tls) out.https_verify_certificate = false;
    out.http_path = h.path || '/';
    if (h.host) {
      const host = nodeHost(h.host);
      if (host) out.host = host;
      else report.add(`${at}.http_health_check.host`, 'ignored', `"${h.host}" is not a host APISIX accepts`);
    }
    if (h.method) out.http_method = METHODS[h.method] ?? 'GET';
    const headers = h.requestHeadersToAdd.filter((o) => o.header && o.header.key).map((o) => `${o.header!.key}: ${o.header!.value}`);
    if (headers.length > 0) out.req_headers = [...new Set(headers)];
    const expected = statusesIn(h.expectedStatuses) ?? [200];
    const unexpected = complement(expected);
    out.healthy = { interval, successes, http_statuses: expected };
    out.unhealthy = { interval: unhealthyInterval, http_failures: failures, tcp_failures: failures, timeouts: failures, ...(unexpected.length > 0 ? { http_statuses: unexpected } : {}) };
    if (h.send || h.receive.length > 0) report.add(`${at}.http_health_check.receive`, 'ignored', 'APISIX active checks cannot send or match bodies');
    if (h.retriableStatuses.length > 0) report.add(`${at}.http_health_check.retriable_statuses`, 'ignored', 'no retriable statuses in APISIX checks');
    if (h.codecClientType !== 0) report.add(`${at}.http_health_check.codec_client_type`, 'approximated', 'APISIX health checks speak HTTP/1.1');
    if (h.serviceNameMatcher) report.add(`${at}.http_health_check.service_name_matcher`, 'ignored', 'no service name matching in APISIX checks');
  } else if (checker.case === 'tcpHealthCheck' || checker.case === 'grpcHealthCheck') {
    out.type = 'tcp';
    out.healthy = { interval, successes };
    out.unhealthy = { interval: unhealthyInterval, tcp_failures: failures, timeouts: failures };
    if (checker.case === 'grpcHealthCheck') report.add(`${at}.grpc_health_check`, 'approximated', 'gRPC health checks become TCP connect checks');
    else if (checker.value.send || checker.value.receive.length > 0) report.add(`${at}.tcp_health_check`, 'approximated', 'payload send/receive dropped: TCP connect check only');
  } else {
    report.add(`${at}`, 'ignored', `health checker ${checker.case ?? 'unset'} has no APISIX counterpart; no active check`);
    return undefined;
  }
  const timeout = durationSeconds(hc.timeout);
  if (timeout !== undefined && timeout > 0) out.timeout = timeout;
  if (hc.altPort !== undefined && hc.altPort >= 1 && hc.altPort <= 65535) out.port = hc.altPort;
  if (tls) report.add(at, 'approximated', 'APISIX health checks over TLS present no client certificate and skip verification');
  if (hc.noTrafficInterval || hc.noTrafficHealthyInterval || hc.unhealthyEdgeInterval || hc.healthyEdgeInterval) {
    report.add(`${at}.no_traffic_interval`, 'ignored', 'APISIX probes at fixed healthy/unhealthy intervals');
  }
  if (hc.intervalJitter || hc.initialJitter || hc.intervalJitterPercent) report.add(`${at}.interval_jitter`, 'ignored', 'no jitter in APISIX checks');
  if (hc.reuseConnection === false) report.add(`${at}.reuse_connection`, 'ignored', 'APISIX decides connection reuse itself');
  if (hc.tlsOptions || hc.transportSocketMatchCriteria) report.add(`${at}.tls_options`, 'ignored', 'health check TLS options are not configurable in APISIX');
  return out;
}

function passiveCheck(od: OutlierDetection, report: ReportSink): Record<string, unknown> | undefined {
  const enforce5xx = (od.enforcingConsecutive5xx ?? 100) > 0;
  const enforceGateway = (od.enforcingConsecutiveGatewayFailure ?? 0) > 0;
  let statuses: number[];
  let failures: number;
  if (enforce5xx) {
    statuses = ALL_5XX;
    failures = od.consecutive5xx ?? 5;
  } else if (enforceGateway) {
    statuses = GATEWAY_5XX;
    failures = od.consecutiveGatewayFailure ?? 5;
  } else {
    report.add('outlier_detection', 'ignored', 'no consecutive-failure detector is enforced; APISIX has no success-rate or failure-percentage ejection');
    return undefined;
  }
  const localFailures = od.splitExternalLocalOriginErrors ? (od.consecutiveLocalOriginFailure ?? 5) : failures;
  if (failures > 254 || localFailures > 254) report.add('outlier_detection.consecutive_5xx', 'approximated', 'failure counts above 254 are capped at 254 (APISIX maximum)');
  const passive = {
    type: 'http',
    healthy: { successes: 0 },
    unhealthy: {
      http_statuses: statuses,
      http_failures: clamp(failures, 1, 254),
      tcp_failures: clamp(localFailures, 1, 254),
      timeouts: clamp(localFailures, 1, 254),
    },
  };
  if (enforce5xx && enforceGateway) report.add('outlier_detection.consecutive_gateway_failure', 'approximated', 'folded into the consecutive 5xx detector');
  // Envoy enforces success-rate ejection unless enforcing_success_rate is 0.
  if (od.enforcingSuccessRate !== 0) report.add('outlier_detection.enforcing_success_rate', 'ignored', 'APISIX has no success-rate outlier detection');
  if (od.failurePercentageThreshold !== undefined || (od.enforcingFailurePercentage ?? 0) > 0) {
    report.add('outlier_detection.failure_percentage_threshold', 'ignored', 'APISIX has no failure-percentage outlier detection');
  }
  if (od.maxEjectionPercent !== undefined) report.add('outlier_detection.max_ejection_percent', 'ignored', 'APISIX may mark every node unhealthy');
  if (od.interval || od.baseEjectionTime || od.maxEjectionTime) {
    report.add('outlier_detection.base_ejection_time', 'approximated', 'APISIX has no ejection timer: a node comes back after the active probe succeeds');
  }
  return passive;
}

/** Int64Range list [start, end) -> explicit status codes within APISIX's 200..599. */
function statusesIn(ranges: readonly { start: bigint; end: bigint }[]): number[] | undefined {
  if (ranges.length === 0) return undefined;
  const set = new Set<number>();
  for (const r of ranges) {
    const from = Math.max(200, Number(r.start));
    const to = Math.min(600, Number(r.end));
    for (let s = from; s < to; s++) set.add(s);
  }
  return set.size > 0 ? [...set].sort((a, b) => a - b) : undefined;
}

/** Envoy fails a probe on any unexpected status; APISIX only on listed ones: list the rest. */
function complement(expected: readonly number[]): number[] {
  const ok = new Set(expected);
  const out: number[] = [];
  for (let s = 200; s < 600; s++) if (!ok.has(s)) out.push(s);
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(v)));
}
