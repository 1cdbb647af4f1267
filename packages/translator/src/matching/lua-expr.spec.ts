import { testRequest } from '../testing/test-request.js';
import { evalVars } from './lua-expr.js';
import { captured } from './match-request.js';
import { pcreToRegExp } from './pcre-regexp.js';

describe('lua-resty-expr', () => {
  const req = testRequest('Shop.Example:8080', '/cart', {
    port: 8080,
    headers: { 'x-user': 'ana', cookie: 'a=1; session=s2' },
    query: { page: '3', q: 'x y' },
  });
  const holds = (vars: unknown[]) => evalVars(vars, req).holds;

  it('reads nginx variables from the request', () => {
    expect(holds([['host', '==', 'shop.example'], ['http_host', '==', 'Shop.Example:8080'], ['server_port', '==', 8080]])).toBe(true);
    expect(holds([['http_x_user', '==', 'ana'], ['cookie_session', '==', 's2'], ['arg_page', '>=', 3], ['request_uri', '==', '/cart?page=3&q=x+y']])).toBe(true);
    expect(holds([['http_x_missing', '~=', 'v']])).toBe(true);
  });

  it('compares numerically against numbers, and in lists without conversion', () => {
    expect(holds([['arg_page', '==', 3]])).toBe(true);
    expect(holds([['arg_page', '==', '3.0']])).toBe(false);
    expect(holds([['arg_page', 'in', ['2', '3']]])).toBe(true);
    expect(holds([['arg_page', 'in', [3]]])).toBe(false);
    expect(holds([['arg_q', '>', 1]])).toBe(false);
  });

  it('negates with "!" and nests AND / OR / !OR lists, also at the top level', () => {
    expect(holds([['uri', '!', '==', '/cart']])).toBe(false);
    expect(holds(['OR', ['uri', '==', '/x'], ['arg_page', '==', '3']])).toBe(true);
    expect(holds(['!OR', ['uri', '==', '/x'], ['arg_page', '==', '3']])).toBe(false);
    expect(holds([['uri', '==', '/cart'], ['AND', ['arg_page', '<', 4], [['arg_q', '~*', '^X']]]])).toBe(true);
  });

  it('reads $server_port as the port nginx accepted on (the capture port), and a missing Host as nil', () => {
    const behindRedirect = captured(testRequest('svc:9080', '/', { port: 9080, direction: 'inbound' }), { outbound: 15001, inbound: 15006 });
    expect(evalVars([['server_port', '==', 15006], ['http_host', '~~', ':9080$']], behindRedirect).holds).toBe(true);
    expect(evalVars([['server_port', '==', 9080]], behindRedirect).holds).toBe(false);
    expect(evalVars([['server_port', '==', 15001]], captured(testRequest('svc', '/'), { outbound: 15001, inbound: 15006 })).holds).toBe(true);
    const noHost = testRequest('', '/');
    expect(evalVars([['http_host', '~~', ':[0-9]+$']], noHost).holds).toBe(false);
    expect(evalVars([['http_host', '!', '~~', ':[0-9]+$']], noHost).holds).toBe(true);
  });
  it('says what it cannot tell, unless the rest of the list decides', () => {
    expect(evalVars([['remote_addr', '==', '10.0.0.1']], req)).toEqual({ holds: undefined, unknown: 'variable remote_addr is not known from a request description' });
    expect(evalVars([['uri', 'ipmatch', ['10.0.0.0/8']]], req).holds).toBeUndefined();
    expect(holds([['remote_addr', '==', '10.0.0.1'], ['uri', '==', '/x']])).toBe(false);
    expect(holds(['OR', ['remote_addr', '==', '10.0.0.1'], ['uri', '==', '/cart']])).toBe(true);
  });
});

describe('pcreToRegExp', () => {
  it('reads (?i), \\x{hh} escapes and \\A / \\z anchors', () => {
    expect(pcreToRegExp('(?i)^/API$', false)?.test('/api')).toBe(true);
    expect(pcreToRegExp('^a\\x{2e}b\\x{e9}$', false)?.test('a.bé')).toBe(true);
    expect(pcreToRegExp('^\\x{1F600}$', false)?.test('😀')).toBe(true);
    expect(pcreToRegExp('\\Aab\\z', false)?.test('xab')).toBe(false);
  });

  it('is undefined for what JS cannot express', () => {
    expect(pcreToRegExp('(?P<n>x)', false)).toBeUndefined();
  });
});
