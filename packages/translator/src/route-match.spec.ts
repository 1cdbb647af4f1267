import { create } from '@bufbuild/protobuf';
import { RouteMatchSchema } from '@amesh/proto';
import { varsHold as evalVars, pcre } from './testing/strict-match.js';
import { headerVar, quoteRegex, re2ToPcreProblem, translateRouteMatch } from './route-match.js';
import { testRequest } from './testing/test-request.js';

describe('quoteRegex', () => {
  test.each(['a.b', 'a+b*c?', '(x)[y]{z}', '^$|\\', 'a/b-c#d', 'tab\there', 'sp ace', 'é.ü'])('%j matches itself only', (lit) => {
    const re = pcre(`^${quoteRegex(lit)}$`, false);
    expect(re.test(lit)).toBe(true);
    expect(re.test(`${lit}x`)).toBe(false);
    expect(re.test(lit.replace(/./, 'Z'))).toBe(lit.startsWith('Z'));
  });
});

describe('re2ToPcreProblem', () => {
  test.each(['', '/api/[0-9]+', '^(?i)abc$', '(?P<name>x)', 'a{2,3}', '[(]x', '\\(', 'a|b', '(?:x)', '(?s).*'])('%j is accepted', (re) => {
    expect(re2ToPcreProblem(re)).toBeUndefined();
  });
  test.each(['(a)\\1', 'a(?=b)', '(?!x)', '(?<=x)y', 'a++', '*.example.com', '(a', 'a)', '[abc', '|*', '\\C'])('%j is refused', (re) => {
    expect(re2ToPcreProblem(re)).toEqual(expect.any(String));
  });
});

describe('headerVar', () => {
  test('headers map to nginx variables; pseudo-headers to their variables; odd names refused', () => {
    expect(headerVar('X-Forwarded-For')).toBe('http_x_forwarded_for');
    expect(headerVar(':method')).toBe('request_method');
    expect(headerVar(':authority')).toBe('http_host');
    expect(headerVar(':path')).toBe('request_uri');
    expect(headerVar('x y')).toBeUndefined();
    expect(headerVar(':status')).toBeUndefined();
  });
});

describe('translateRouteMatch', () => {
  const m = (init: Parameters<typeof create<typeof RouteMatchSchema>>[1]) => translateRouteMatch(create(RouteMatchSchema, init), 'match');

  test('radixtree syntax in paths (`:` params, `*`) is never used as a native key', () => {
    const colon = m({ pathSpecifier: { case: 'prefix', value: '/a:b' } });
    expect(colon.key).toEqual({ kind: 'any' });
    expect(colon.pathVars).toEqual([['uri', '~~', '^\\/a:b']]);
    const star = m({ pathSpecifier: { case: 'path', value: '/a*' } });
    expect(star.key).toEqual({ kind: 'any' });
    expect(star.pathVars).toEqual([['uri', '==', '/a*']]);
  });

  test('case-insensitive exact path', () => {
    const r = m({ pathSpecifier: { case: 'path', value: '/A.b' }, caseSensitive: false });
    expect(r.key).toEqual({ kind: 'any' });
    const req = (path: string) => testRequest('x', path);
    expect(evalVars(r.pathVars, req('/a.B'))).toBe(true);
    expect(evalVars(r.pathVars, req('/aXb'))).toBe(false);
    expect(evalVars(r.pathVars, req('/a.b/'))).toBe(false);
  });

  test('range_match -> integer bounds; inverted range refused', () => {
    const r = m({ pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'x-n', headerMatchSpecifier: { case: 'rangeMatch', value: { start: 10n, end: 20n } } }] });
    const req = (n: string) => testRequest('x', '/', { headers: { 'x-n': n } });
    expect(['10', '19'].map((n) => evalVars(r.vars, req(n)))).toEqual([true, true]);
    expect(['9', '20', 'a', '1.5'].map((n) => evalVars(r.vars, req(n)))).toEqual([false, false, false, false]);
    const inv = m({ pathSpecifier: { case: 'prefix', value: '/' }, headers: [{ name: 'x-n', invertMatch: true, headerMatchSpecifier: { case: 'rangeMatch', value: { start: 1n, end: 2n } } }] });
    expect(inv.fatal).toEqual(expect.any(String));
  });

  test('grpc match -> content-type condition; runtime_fraction approximated; dynamic_metadata refused', () => {
    expect(m({ pathSpecifier: { case: 'prefix', value: '/' }, grpc: {} }).vars).toEqual([['http_content_type', '~~', '^application/grpc']]);
    expect(m({ pathSpecifier: { case: 'prefix', value: '/' }, runtimeFraction: { defaultValue: { numerator: 1 } } }).issues).toEqual([
      expect.objectContaining({ path: 'match.runtime_fraction', severity: 'approximated' }),
    ]);
    expect(m({ pathSpecifier: { case: 'prefix', value: '/' }, dynamicMetadata: [{ filter: 'x' }] }).fatal).toEqual(expect.any(String));
  });

  test('match-all regex is the prefix /', () => {
    expect(m({ pathSpecifier: { case: 'safeRegex', value: { regex: '.*' } } })).toMatchObject({ key: { kind: 'prefix', prefix: '/' }, pathVars: [] });
  });

  test('connect_matcher and path_match_policy are refused with the proto field name', () => {
    expect(m({ pathSpecifier: { case: 'connectMatcher', value: {} } }).fatal).toMatch(/connect_matcher/);
  });
});
