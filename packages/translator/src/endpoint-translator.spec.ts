import { create } from '@bufbuild/protobuf';
import { ClusterLoadAssignmentSchema, HealthStatus } from '@amesh/proto';
import { cla } from '../test/cluster-test-support.js';
import { nodesFromAssignment, type EndpointOptions } from './endpoint-translator.js';
import { ReportSink } from './report-sink.js';
import type { ReportItem } from './translation-report.js';

const base: EndpointOptions = { localityWeighted: false, maxWeight: 1000, panicThreshold: 50, firstOnly: false, pathPrefix: '' };

function run(assignment: ReturnType<typeof cla>, options: Partial<EndpointOptions> = {}) {
  const report: ReportItem[] = [];
  const sink = new ReportSink(report, 'ClusterLoadAssignment', assignment.clusterName);
  const result = nodesFromAssignment(assignment, { ...base, ...options }, sink);
  sink.finish();
  return { ...result, report };
}

describe('nodesFromAssignment', () => {
  it('keeps endpoint weights (reduced by their gcd) and host/port', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, weight: 2 }, { host: '10.0.0.2', port: 80, weight: 4 }, { host: '10.0.0.3', port: 8080, weight: 6 }] }]));
    expect(r.nodes).toEqual([
      { host: '10.0.0.1', port: 80, weight: 1, priority: 0 },
      { host: '10.0.0.2', port: 80, weight: 2, priority: 0 },
      { host: '10.0.0.3', port: 8080, weight: 3, priority: 0 },
    ]);
    expect(r.report).toEqual([]);
  });

  it('ignores locality weights unless locality weighting is on (Envoy semantics)', () => {
    const a = cla('c', [
      { eps: [{ host: '10.0.0.1', port: 80 }], weight: 1 },
      { eps: [{ host: '10.0.0.2', port: 80 }], weight: 3 },
    ]);
    expect(run(a).nodes.map((n) => n.weight)).toEqual([1, 1]);
    expect(run(a, { localityWeighted: true }).nodes.map((n) => n.weight)).toEqual([1, 3]);
  });

  it('multiplies locality share by endpoint share inside the locality', () => {
    // Locality A (weight 1): two endpoints 1:1; locality B (weight 1): one endpoint.
    // Envoy: A gets 50% split 25/25, B gets 50%  ->  1:1:2.
    const a = cla('c', [
      { eps: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80 }], weight: 1 },
      { eps: [{ host: '10.0.0.3', port: 80, weight: 7 }], weight: 1 },
    ]);
    expect(run(a, { localityWeighted: true }).nodes.map((n) => n.weight)).toEqual([1, 1, 2]);
  });

  it('gives localities without a weight no traffic when locality weighting is on', () => {
    const a = cla('c', [{ eps: [{ host: '10.0.0.1', port: 80 }] }, { eps: [{ host: '10.0.0.2', port: 80 }], weight: 5 }]);
    const r = run(a, { localityWeighted: true });
    expect(r.nodes.map((n) => n.host)).toEqual(['10.0.0.2']);
    expect(r.report).toEqual([expect.objectContaining({ path: 'endpoints[0].load_balancing_weight', severity: 'dropped' })]);
  });

  it('scales a locality down when too few of its hosts are healthy (overprovisioning 1.4)', () => {
    // A: 1 of 4 healthy -> 1.4*0.25 = 0.35 of its weight; B fully healthy.
    const a = cla('c', [
      {
        eps: [
          { host: '10.0.0.1', port: 80 },
          { host: '10.0.0.2', port: 80, health: HealthStatus.UNHEALTHY },
          { host: '10.0.0.3', port: 80, health: HealthStatus.UNHEALTHY },
          { host: '10.0.0.4', port: 80, health: HealthStatus.UNHEALTHY },
        ],
        weight: 1,
      },
      { eps: [{ host: '10.0.1.1', port: 80 }], weight: 1 },
    ]);
    const r = run(a, { localityWeighted: true });
    expect(r.nodes.map((n) => n.host)).toEqual(['10.0.0.1', '10.0.1.1']);
    const [w1, w2] = r.nodes.map((n) => n.weight);
    expect(w1! / w2!).toBeCloseTo(0.35, 2);
  });

  it('leaves out UNHEALTHY, DRAINING and TIMEOUT endpoints but keeps UNKNOWN and HEALTHY', () => {
    const r = run(
      cla('c', [
        {
          eps: [
            { host: '10.0.0.1', port: 80, health: HealthStatus.UNKNOWN },
            { host: '10.0.0.2', port: 80, health: HealthStatus.UNHEALTHY },
            { host: '10.0.0.3', port: 80, health: HealthStatus.DRAINING },
            { host: '10.0.0.4', port: 80, health: HealthStatus.TIMEOUT },
            { host: '10.0.0.5', port: 80, health: HealthStatus.HEALTHY },
          ],
        },
      ]),
    );
    expect(r.nodes.map((n) => n.host)).toEqual(['10.0.0.1', '10.0.0.5']);
  });

  it('all endpoints unhealthy: no nodes, and the panic-mode difference is reported', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, health: HealthStatus.UNHEALTHY }, { host: '10.0.0.2', port: 80, health: HealthStatus.DRAINING }] }]));
    expect(r.nodes).toEqual([]);
    expect(r.report.some((i) => i.severity === 'approximated' && /panic threshold/.test(i.reason))).toBe(true);
  });

  it('an empty assignment gives no nodes and no report', () => {
    const r = run(create(ClusterLoadAssignmentSchema, { clusterName: 'c' }));
    expect(r.nodes).toEqual([]);
    expect(r.report).toEqual([]);
  });

  it('maps Envoy priorities to descending APISIX priorities and reports spill-over', () => {
    const r = run(
      cla('c', [
        { eps: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.9', port: 80, health: HealthStatus.UNHEALTHY }], priority: 0 },
        { eps: [{ host: '10.0.1.1', port: 80 }], priority: 1 },
        { eps: [{ host: '10.0.2.1', port: 80 }], priority: 2 },
      ]),
    );
    expect(r.nodes.map((n) => [n.host, n.priority])).toEqual([
      ['10.0.0.1', 0],
      ['10.0.1.1', -1],
      ['10.0.2.1', -2],
    ]);
    expect(r.report.some((i) => /spills/.test(i.reason))).toBe(true);
  });

  it('puts DEGRADED endpoints below every healthy priority', () => {
    const r = run(
      cla('c', [
        { eps: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80, health: HealthStatus.DEGRADED }], priority: 0 },
        { eps: [{ host: '10.0.1.1', port: 80 }], priority: 1 },
      ]),
    );
    const prio = Object.fromEntries(r.nodes.map((n) => [n.host, n.priority]));
    expect(prio['10.0.0.1']).toBe(0);
    expect(prio['10.0.1.1']).toBe(-1);
    expect(prio['10.0.0.2']).toBeLessThan(-1);
    expect(r.report.some((i) => /DEGRADED/.test(i.reason))).toBe(true);
  });

  it('reports and skips zero weights (invalid in Envoy)', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, weight: 0 }, { host: '10.0.0.2', port: 80, weight: 3 }] }]));
    expect(r.nodes).toEqual([{ host: '10.0.0.2', port: 80, weight: 1, priority: 0 }]);
    expect(r.report).toEqual([expect.objectContaining({ path: 'endpoints[0].lb_endpoints[0].load_balancing_weight', severity: 'dropped' })]);
  });

  it('brackets IPv6 hosts', () => {
    const r = run(cla('c', [{ eps: [{ host: '2001:db8::1', port: 443 }, { host: '[2001:db8::2]', port: 443 }] }]));
    expect(r.nodes.map((n) => n.host)).toEqual(['[2001:db8::1]', '[2001:db8::2]']);
  });

  it('merges duplicate addresses by adding their shares', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80 }, { host: '10.0.0.2', port: 80 }, { host: '10.0.0.1', port: 80 }] }]));
    expect(r.nodes).toEqual([
      { host: '10.0.0.1', port: 80, weight: 2, priority: 0 },
      { host: '10.0.0.2', port: 80, weight: 1, priority: 0 },
    ]);
  });

  it('scales huge weights into APISIX-friendly integers and says so', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, weight: 4294967295 }, { host: '10.0.0.2', port: 80, weight: 3 }] }]));
    expect(r.nodes.map((n) => n.weight)).toEqual([1000, 1]);
    expect(r.report.some((i) => /rounded/.test(i.reason))).toBe(true);
    const exact = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, weight: 4000000000 }, { host: '10.0.0.2', port: 80, weight: 2000000000 }] }]));
    expect(exact.nodes.map((n) => n.weight)).toEqual([2, 1]);
    expect(exact.report).toEqual([]);
  });

  it('reports pipe, internal and named-port addresses once with a count, and skips them', () => {
    const a = create(ClusterLoadAssignmentSchema, {
      clusterName: 'c',
      endpoints: [
        {
          lbEndpoints: [
            { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'pipe', value: { path: '/run/a.sock' } } } } } },
            { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'pipe', value: { path: '/run/b.sock' } } } } } },
            { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'envoyInternalAddress', value: {} } } } } },
            { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'socketAddress', value: { address: '10.0.0.1', portSpecifier: { case: 'namedPort', value: 'http' } } } } } } },
            { hostIdentifier: { case: 'endpoint', value: { address: { address: { case: 'socketAddress', value: { address: 'bad host', portSpecifier: { case: 'portValue', value: 80 } } } } } } },
            { hostIdentifier: { case: 'endpoint', value: {} } },
          ],
        },
      ],
    });
    const r = run(a);
    expect(r.nodes).toEqual([]);
    const pipe = r.report.find((i) => i.path.endsWith('address.pipe'));
    expect(pipe).toMatchObject({ path: 'endpoints[0].lb_endpoints[0].endpoint.address.pipe', severity: 'dropped' });
    expect(pipe!.reason).toMatch(/and 1 more/);
    expect(r.report.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'endpoints[0].lb_endpoints[2].endpoint.address.envoy_internal_address',
        'endpoints[0].lb_endpoints[3].endpoint.address.socket_address.named_port',
        'endpoints[0].lb_endpoints[4].endpoint.address.socket_address.address',
        'endpoints[0].lb_endpoints[5].endpoint.address',
      ]),
    );
  });

  it('resolves endpoint_name through named_endpoints', () => {
    const a = create(ClusterLoadAssignmentSchema, {
      clusterName: 'c',
      namedEndpoints: { web: { address: { address: { case: 'socketAddress', value: { address: '10.0.0.7', portSpecifier: { case: 'portValue', value: 81 } } } } } },
      endpoints: [{ lbEndpoints: [{ hostIdentifier: { case: 'endpointName', value: 'web' } }, { hostIdentifier: { case: 'endpointName', value: 'nope' } }] }],
    });
    const r = run(a);
    expect(r.nodes).toEqual([{ host: '10.0.0.7', port: 81, weight: 1, priority: 0 }]);
    expect(r.report[0]).toMatchObject({ path: 'endpoints[0].lb_endpoints[1].endpoint_name', severity: 'dropped' });
  });

  it('LOGICAL_DNS uses only the first endpoint', () => {
    const r = run(cla('c', [{ eps: [{ host: 'a.example.com', port: 80 }, { host: 'b.example.com', port: 80 }] }]), { firstOnly: true });
    expect(r.nodes.map((n) => n.host)).toEqual(['a.example.com']);
    expect(r.report[0]).toMatchObject({ severity: 'ignored', path: 'endpoints[0].lb_endpoints[1]' });
  });

  it('hands out one socket index per node when asked', () => {
    const r = run(cla('c', [{ eps: [{ host: '10.0.0.1', port: 80, tlsMode: 'istio' }, { host: '10.0.0.2', port: 80 }] }]), {
      socketOf: (lbe) => (lbe.metadata?.filterMetadata['envoy.transport_socket_match']?.tlsMode === 'istio' ? 0 : 1),
    });
    expect(r.sockets).toEqual([0, 1]);
  });
});
