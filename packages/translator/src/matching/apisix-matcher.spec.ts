import type { ApisixRoute } from '../apisix-types.js';
import { testRequest } from '../testing/test-request.js';
import { isTerminalRoute, matchApisixRoute } from './apisix-matcher.js';
import type { MatchRequest } from './match-request.js';

describe('APISIX radixtree_host_uri semantics', () => {
  const routes: ApisixRoute[] = [
    { id: 'exact-host-prefix', hosts: ['a.test'], uris: ['/api*'] },
    { id: 'exact-host-long-prefix', hosts: ['a.test'], uris: ['/api/v2*'] },
    { id: 'exact-host-exact-uri', hosts: ['a.test'], uris: ['/api'] },
    { id: 'high-priority-header', hosts: ['a.test'], uris: ['/*'], priority: 10, vars: [['http_x_user', '==', 'jason']] },
    { id: 'low-priority', hosts: ['a.test'], uris: ['/*'], priority: 1 },
    { id: 'wild', hosts: ['*.test'], uris: ['/*'] },
    { id: 'post-only', hosts: ['b.test'], uris: ['/*'], methods: ['POST'] },
    { id: 'hostless', uris: ['/*'] },
    { id: 'disabled', hosts: ['c.test'], uris: ['/*'], status: 0 },
  ];
  const pick = (authority: string, path: string, extra: Partial<MatchRequest> = {}) => matchApisixRoute(routes, testRequest(authority, path, extra)).route?.id;

  it('tries exact uris, then prefixes from the longest, then by priority', () => {
    expect(pick('a.test', '/api')).toBe('exact-host-exact-uri');
    expect(pick('a.test', '/api/v2/x')).toBe('exact-host-long-prefix');
    expect(pick('a.test', '/api/v1')).toBe('exact-host-prefix');
    expect(pick('a.test', '/x', { headers: { 'x-user': 'jason' } })).toBe('high-priority-header');
    expect(pick('a.test', '/x')).toBe('low-priority');
  });

  it('falls back from the exact host to wildcards, then to routes without hosts', () => {
    expect(pick('z.test', '/x')).toBe('wild');
    expect(pick('b.test', '/x', { method: 'POST' })).toBe('post-only');
    // b.test's only route wants POST: the wildcard host is tried next.
    expect(pick('b.test', '/x')).toBe('wild');
    expect(pick('other.io', '/x')).toBe('hostless');
    expect(pick('c.test', '/x')).toBe('wild');
  });

  it('matches $host: lower case, without the port', () => {
    expect(pick('A.Test:8080', '/api')).toBe('exact-host-exact-uri');
  });

  it('records why candidates were passed over', () => {
    const m = matchApisixRoute(routes, testRequest('a.test', '/x'));
    expect(m.candidates[0]).toMatchObject({ id: 'high-priority-header', outcome: 'vars' });
    expect(m.candidates[1]).toMatchObject({ id: 'low-priority', outcome: 'matched' });
    expect(m.hostGroups).toEqual(['a.test', '*.test', '(no hosts)']);
  });

  it('says when a passed-over route could not be evaluated', () => {
    const r: ApisixRoute[] = [
      { id: 'by-address', uris: ['/*'], vars: [['server_addr', '==', '10.0.0.1']] },
      { id: 'rest', uris: ['/*'], priority: -1 },
    ];
    const m = matchApisixRoute(r, testRequest('x', '/'));
    expect(m.route?.id).toBe('rest');
    expect(m.uncertain).toMatch(/server_addr/);
    expect(matchApisixRoute(r, testRequest('x', '/', { address: '10.0.0.1' }))).toMatchObject({ route: { id: 'by-address' }, uncertain: undefined });
  });

  it('evaluates server_port, regex and OR expressions', () => {
    const r: ApisixRoute[] = [
      { id: 'port-80', uris: ['/*'], vars: [['server_port', '==', 80]] },
      { id: 'regex', uris: ['/*'], vars: [['uri', '~~', '^/v[0-9]+/']] },
      { id: 'or', uris: ['/*'], vars: [['OR', ['arg_a', '==', '1'], ['arg_b', '==', '2']]] },
    ];
    const on = (path: string, port: number, query: Record<string, string> = {}) => matchApisixRoute(r, testRequest('x', path, { port, query })).route?.id;
    expect(on('/', 80)).toBe('port-80');
    expect(on('/v2/a', 81)).toBe('regex');
    expect(on('/q', 81, { b: '2' })).toBe('or');
    expect(on('/q', 81)).toBeUndefined();
  });
});

describe('isTerminalRoute', () => {
  const abort = { 'fault-injection': { abort: { http_status: 404, body: '', percentage: 100 } } };

  it("knows the translator's per-host 404 route by name, or by shape when the name was shortened", () => {
    expect(isTerminalRoute({ id: 't', name: 'reviews:9080/#no-route', uris: ['/*'] })).toBe(true);
    expect(isTerminalRoute({ id: 't', name: 'reviews~0a1b2c', uris: ['/*'], priority: -1, plugins: abort })).toBe(true);
    expect(isTerminalRoute({ id: 'r', name: 'fault', uris: ['/*'], plugins: abort })).toBe(false);
  });
});
