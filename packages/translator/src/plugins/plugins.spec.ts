import { create } from '@bufbuild/protobuf';
import {
  DirectResponseActionSchema,
  FractionalPercent_DenominatorType as D,
  FractionalPercentSchema,
  LocalRateLimitSchema,
  RedirectActionSchema,
  RouteAction_RequestMirrorPolicySchema,
} from '@amesh/proto';
import { ApisixValidator } from '@amesh/schema';
import type { FieldIssue } from '../field-issue.js';
import { directResponsePlugin } from './fault-injection.js';
import { mergeHeaderMutations, responseHeadersConfig } from './header-mutation.js';
import { limitCountPlugin } from './limit-count.js';
import { integerPercent, ratio } from './percent.js';
import { proxyMirrorPlugin } from './proxy-mirror.js';
import { envoySubstitution, redirectPlugin } from './redirect.js';

const validator = new ApisixValidator();
const valid = (name: string, conf: unknown) => expect(validator.validatePlugin(name, conf)).toEqual([]);

describe('percent', () => {
  test.each([
    [D.HUNDRED, 50, 0.5],
    [D.TEN_THOUSAND, 50, 0.005],
    [D.MILLION, 50, 0.00005],
    [D.HUNDRED, 500, 1],
  ])('denominator %s numerator %s -> ratio %s (capped at 1)', (denominator, numerator, r) => {
    expect(ratio(create(FractionalPercentSchema, { numerator, denominator }))).toBeCloseTo(r, 10);
  });
  test('integer percent says when it rounded', () => {
    expect(integerPercent(create(FractionalPercentSchema, { numerator: 1234, denominator: D.TEN_THOUSAND }))).toEqual({ value: 12, exact: false });
    expect(integerPercent(create(FractionalPercentSchema, { numerator: 120_000, denominator: D.MILLION }))).toEqual({ value: 12, exact: true });
    expect(integerPercent(undefined)).toEqual({ value: 100, exact: true });
  });
});

describe('redirect', () => {
  const issues: FieldIssue[] = [];
  test('scheme and port; regex rewrite substitution; schema-valid', () => {
    const a = redirectPlugin(create(RedirectActionSchema, { schemeRewriteSpecifier: { case: 'schemeRedirect', value: 'HTTPS' }, portRedirect: 8443, responseCode: 1 }), {}, 'redirect', issues)!;
    expect(a).toEqual({ ret_code: 302, uri: 'https://$host:8443$uri$is_args$args' });
    valid('redirect', a);
    const b = redirectPlugin(
      create(RedirectActionSchema, { hostRedirect: 'x.example', pathRewriteSpecifier: { case: 'regexRewrite', value: { pattern: { regex: '^/a/(.*)$' }, substitution: '/b/\\1?x=$' } }, stripQuery: true }),
      {},
      'redirect',
      issues,
    )!;
    expect(b).toEqual({ ret_code: 301, regex_uri: ['^/a/(.*)$', '$scheme://x.example/b/$1?x=$$'], append_query_string: false });
    valid('redirect', b);
  });
  test('prefix rewrite without a prefix match is dropped with a reason', () => {
    const out: FieldIssue[] = [];
    expect(redirectPlugin(create(RedirectActionSchema, { pathRewriteSpecifier: { case: 'prefixRewrite', value: '/x' } }), {}, 'redirect', out)).toBeUndefined();
    expect(out).toContainEqual(expect.objectContaining({ path: 'redirect.prefix_rewrite', severity: 'dropped' }));
  });
  test('RE2 substitution -> ngx.re.sub template', () => {
    expect(envoySubstitution('\\1-\\2 costs $5')).toBe('$1-$2 costs $$5');
  });
});

describe('header mutations', () => {
  test('append vs set, later (less specific) sources win on set, response add lines checked', () => {
    const issues: FieldIssue[] = [];
    const m = mergeHeaderMutations(
      [
        { toAdd: [{ header: { key: 'X-A', value: 'route' }, appendAction: 2 } as never, { header: { key: 'x-b', value: 'b1' }, appendAction: 0 } as never], toRemove: [], at: 'r.', addField: 'response_headers_to_add', removeField: 'x' },
        { toAdd: [{ header: { key: 'x-a', value: 'vhost' }, appendAction: 2 } as never, { header: { key: 'x-c', value: 'http://u/' }, appendAction: 0 } as never], toRemove: ['x-d'], at: 'v.', addField: 'response_headers_to_add', removeField: 'response_headers_to_remove' },
      ],
      issues,
    )!;
    expect(m).toEqual({ add: { 'x-b': ['b1'], 'x-c': ['http://u/'] }, set: { 'x-a': 'vhost' }, remove: ['x-d'] });
    const conf = responseHeadersConfig(m, issues, 'at')!;
    expect(conf).toEqual({ add: ['x-b: b1'], set: { 'x-a': 'vhost', 'x-c': 'http://u/' }, remove: ['x-d'] });
    valid('response-rewrite', { headers: conf });
    expect(issues).toEqual([expect.objectContaining({ severity: 'approximated' })]);
  });
});

describe('limit-count', () => {
  test('sub-second fill interval becomes a 1 s window with the same rate', () => {
    const issues: FieldIssue[] = [];
    const conf = limitCountPlugin(create(LocalRateLimitSchema, { tokenBucket: { maxTokens: 5, tokensPerFill: 2, fillInterval: { seconds: 0n, nanos: 500_000_000 } } }), 'rl', issues)!;
    expect(conf).toMatchObject({ count: 4, time_window: 1, rejected_code: 429 });
    valid('limit-count', conf);
  });
  test('enforced 0% (shadow mode) emits nothing and says so', () => {
    const issues: FieldIssue[] = [];
    const l = create(LocalRateLimitSchema, { tokenBucket: { maxTokens: 1, fillInterval: { seconds: 1n, nanos: 0 } }, filterEnforced: { defaultValue: { numerator: 0 } } });
    expect(limitCountPlugin(l, 'rl', issues)).toBeUndefined();
    expect(issues[0]).toMatchObject({ path: 'rl.filter_enforced' });
  });
});

describe('proxy-mirror', () => {
  test('IPv6 node in brackets; 0% mirrors nothing; unknown cluster reported', () => {
    const up = { id: 'u', type: 'roundrobin' as const, nodes: [{ host: '2001:db8::1', port: 80, weight: 1 }] };
    const policy = (fraction?: number) => create(RouteAction_RequestMirrorPolicySchema, { cluster: 'm', ...(fraction !== undefined ? { runtimeFraction: { defaultValue: { numerator: fraction } } } : {}) });
    const issues: FieldIssue[] = [];
    const conf = proxyMirrorPlugin([policy()], () => up, 'm', issues)!;
    expect(conf).toEqual({ host: 'http://[2001:db8::1]:80' });
    valid('proxy-mirror', conf);
    expect(proxyMirrorPlugin([policy(0)], () => up, 'm', issues)).toBeUndefined();
    expect(proxyMirrorPlugin([policy()], () => undefined, 'm', issues)).toBeUndefined();
    expect(issues.at(-1)).toMatchObject({ path: 'm[0].cluster', severity: 'ignored' });
  });
});

describe('redirect on an exact path match', () => {
  test('prefix_rewrite replaces the whole path', () => {
    const issues: FieldIssue[] = [];
    const conf = redirectPlugin(create(RedirectActionSchema, { hostRedirect: 'h.example', pathRewriteSpecifier: { case: 'prefixRewrite', value: '/new' } }), { exactPath: '/old' }, 'redirect', issues)!;
    expect(conf).toEqual({ ret_code: 301, uri: '$scheme://h.example/new$is_args$args' });
    valid('redirect', conf);
  });
  test('an invalid regex_rewrite pattern drops the redirect', () => {
    const issues: FieldIssue[] = [];
    expect(redirectPlugin(create(RedirectActionSchema, { pathRewriteSpecifier: { case: 'regexRewrite', value: { pattern: { regex: '(a' }, substitution: 'x' } } }), {}, 'redirect', issues)).toBeUndefined();
    expect(issues).toContainEqual(expect.objectContaining({ path: 'redirect.regex_rewrite.pattern.regex', severity: 'dropped' }));
  });
});

describe('direct response body', () => {
  test('inline bytes: UTF-8 kept, binary reported', () => {
    const issues: FieldIssue[] = [];
    const ok = directResponsePlugin(create(DirectResponseActionSchema, { status: 200, body: { specifier: { case: 'inlineBytes', value: new TextEncoder().encode('héllo') } } }), 'd', issues);
    expect(ok).toEqual({ abort: { http_status: 200, body: 'héllo', percentage: 100 } });
    expect(issues).toEqual([]);
    directResponsePlugin(create(DirectResponseActionSchema, { status: 200, body: { specifier: { case: 'inlineBytes', value: new Uint8Array([0x89, 0x50, 0xff]) } } }), 'd', issues);
    expect(issues).toEqual([expect.objectContaining({ path: 'd.body.inline_bytes', severity: 'approximated' })]);
  });
});
