import type { StoredObject } from '@amesh/storage';
import { formatDemoSummary } from './demo-summary.js';

const route = (id: string, hosts: string[]): StoredObject => ({ id, name: `${hosts[0]}/default`, hosts, uris: ['/*'], plugins: { 'traffic-split': {} } });

describe('formatDemoSummary', () => {
  const text = formatDemoSummary({
    source: 'file:examples/bookinfo/xds.yaml',
    storage: 'memory',
    statusUrl: 'http://127.0.0.1:15020',
    written: {
      routes: [route('r1', ['reviews', 'reviews.default']), route('r2', ['ratings'])],
      upstreams: [{ id: 'u1', name: 'outbound|9080||reviews', nodes: [{ host: '10.0.0.1', port: 9080, weight: 1 }] }, { id: 'u2', name: 'empty', nodes: [] }],
      ssls: [],
      stream_routes: [],
      plugin_configs: [],
      global_rules: [],
    },
    report: [
      { kind: 'Cluster', name: 'c', path: 'lb_policy', severity: 'approximated', reason: 'least_conn' },
      { kind: 'RouteConfiguration', name: '9080', path: 'virtual_hosts[0].routes[1]', severity: 'dropped', reason: 'grpc match' },
    ],
    sampleRoute: { host: 'reviews', path: '/' },
  });

  it('counts what was written and lists routes and upstreams', () => {
    expect(text).toMatch(/^amesh-sidecar demo: file:examples\/bookinfo\/xds\.yaml -> memory$/m);
    expect(text).toMatch(/^written: 2 routes, 2 upstreams$/m);
    expect(text).toMatch(/route reviews\/default +reviews \(\+1\) \/\*  \[traffic-split\]/);
    expect(text).toMatch(/upstream outbound\|9080\|\|reviews +10\.0\.0\.1:9080/);
    expect(text).toMatch(/upstream empty +\(no endpoints\)/);
  });

  it('summarises the report with dropped items first', () => {
    expect(text).toMatch(/^translation report: 2 items \(1 dropped, 1 approximated, 0 ignored\)$/m);
    expect(text.indexOf('dropped: RouteConfiguration 9080')).toBeLessThan(text.indexOf('approximated: Cluster c'));
  });

  it('prints the debug URLs with an explain example', () => {
    for (const p of ['/healthz/ready', '/status', '/debug/config_dump', '/debug/explain?host=reviews&path=%2F', '/metrics']) {
      expect(text).toContain(`http://127.0.0.1:15020${p}`);
    }
    expect(text.trimEnd().endsWith('Ctrl-C to stop.')).toBe(true);
  });
});
