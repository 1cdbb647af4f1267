import { create } from '@bufbuild/protobuf';
import { ClusterSchema } from '@amesh/proto';
import { checksFromCluster } from './health-checks.js';
import { ReportSink } from './report-sink.js';
import type { ReportItem } from './translation-report.js';

function checks(init: Parameters<typeof create<typeof ClusterSchema>>[1], tls = false) {
  const report: ReportItem[] = [];
  const out = checksFromCluster(create(ClusterSchema, { name: 'c', ...init }), tls, new ReportSink(report, 'Cluster', 'c'));
  return { out, report };
}

describe('checksFromCluster', () => {
  it('no health checks and no outlier detection: no checks', () => {
    expect(checks({}).out).toBeUndefined();
  });

  it('gRPC health checks become TCP checks (reported); custom checkers give none', () => {
    const g = checks({ healthChecks: [{ healthChecker: { case: 'grpcHealthCheck', value: { serviceName: 's' } } }] });
    expect(g.out!.active).toMatchObject({ type: 'tcp' });
    expect(g.report[0]).toMatchObject({ path: 'health_checks[0].grpc_health_check', severity: 'approximated' });
    const c = checks({ healthChecks: [{ healthChecker: { case: 'customHealthCheck', value: { name: 'redis' } } }] });
    expect(c.out).toBeUndefined();
    expect(c.report[0]).toMatchObject({ severity: 'ignored' });
  });

  it('HTTP checks on a TLS cluster probe over https without verification, reported', () => {
    const r = checks({ healthChecks: [{ healthChecker: { case: 'httpHealthCheck', value: { path: '/ready', requestHeadersToAdd: [{ header: { key: 'x-probe', value: '1' } }] } }, altPort: 8081 }] }, true);
    expect(r.out!.active).toMatchObject({ type: 'https', https_verify_certificate: false, http_path: '/ready', req_headers: ['x-probe: 1'], port: 8081 });
    expect(r.report.some((i) => /TLS/.test(i.reason))).toBe(true);
  });

  it('expected statuses covering every code leave no unhealthy status list; out-of-range codes are cut', () => {
    const r = checks({ healthChecks: [{ healthChecker: { case: 'httpHealthCheck', value: { path: '/', expectedStatuses: [{ start: 100n, end: 700n }] } } }] });
    const active = r.out!.active as { healthy: { http_statuses: number[] }; unhealthy: Record<string, unknown> };
    expect(active.healthy.http_statuses[0]).toBe(200);
    expect(active.healthy.http_statuses.at(-1)).toBe(599);
    expect(active.unhealthy.http_statuses).toBeUndefined();
  });

  it('outlier detection with only the gateway-failure detector enforced watches 502/503/504', () => {
    const r = checks({ outlierDetection: { enforcingConsecutive5xx: 0, enforcingConsecutiveGatewayFailure: 100, consecutiveGatewayFailure: 3, enforcingSuccessRate: 0 } });
    expect(r.out!.passive).toMatchObject({ unhealthy: { http_statuses: [502, 503, 504], http_failures: 3 } });
    expect(r.report.some((i) => i.path === 'outlier_detection.enforcing_success_rate')).toBe(false);
  });

  it('outlier detection with no consecutive detector enforced: ignored, no checks', () => {
    const r = checks({ outlierDetection: { enforcingConsecutive5xx: 0 } });
    expect(r.out).toBeUndefined();
    expect(r.report[0]).toMatchObject({ path: 'outlier_detection', severity: 'ignored' });
  });
});
