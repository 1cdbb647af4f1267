import type { FieldIssue } from './field-issue.js';
import type { HeaderMatcher, QueryParameterMatcher, RouteMatch, StringMatcher } from '@amesh/proto';

/**
 * Envoy RouteMatch -> APISIX match parts: a radixtree path key (what `uris` can express natively)
 * plus lua-resty-expr `vars`. Pure; problems come back as `issues` with proto field paths.
 */

/** How a route's path condition is expressed: natively as a radixtree key, or only through vars. */
export type PathKey =
  | { readonly kind: 'exact'; readonly uri: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  /** No native key: the route uses `/*` and its path condition lives in `pathVars`. */
  | { readonly kind: 'any' };

export type MatchIssue = FieldIssue;

export interface TranslatedMatch {
  readonly key: PathKey;
  /** The whole path condition as vars (what a route keyed `/*` needs). */
  readonly pathVars: unknown[][];
  /** What the native key cannot say by itself (path_separated_prefix's separator). */
  readonly keyVars: unknown[][];
  /** Header and query parameter conditions. */
  readonly vars: unknown[][];
  /** The literal prefix Envoy matched, when a prefix_rewrite needs it. */
  readonly matchedPrefix?: { readonly value: string; readonly ignoreCase: boolean };
  /** The whole path was matched exactly (path_rewrite replaces all of it). */
  readonly exactPath?: string;
  readonly issues: MatchIssue[];
  /** Set when the match cannot be expressed at all: the route must be dropped. */
  readonly fatal?: string;
}

const PCRE_SPECIAL = /[\\^$.|?*+()[\]{}\-/#\s]/g;

/** Quotes a literal for a PCRE pattern (every metacharacter escaped, whitespace too). */
export function quoteRegex(literal: string): string {
  return literal.replace(PCRE_SPECIAL, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\r') return '\\r';
    if (ch === '\t') return '\\t';
    if (/\s/.test(ch)) return `\\x{${ch.codePointAt(0)!.toString(16)}}`;
    return `\\${ch}`;
  });
}

/**
 * Checks that an RE2 pattern means the same under PCRE (lua-resty-core's ngx.re). RE2 is almost a
 * subset of PCRE; what differs or is invalid RE2 anyway is refused. Returns the reason or undefined.
 */
export function re2ToPcreProblem(re: string): string | undefined {
  if (re.length === 0) return undefined;
  const bare = stripClasses(re.replace(/\\./g, 'x'));
  if (/\[/.test(bare.replace(/\[\]/g, ''))) return 'unterminated character class';
  if (/^[*+?]|\|[*+?]|\([*+]|(^|[(|])\{\d/.test(bare)) return 'quantifier with nothing to repeat';
  let depth = 0;
  for (const ch of bare) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return 'unbalanced parentheses';
  }
  if (depth !== 0) return 'unbalanced parentheses';
  if (/\\[1-9]/.test(stripClasses(re))) return 'back-references are not RE2';
  if (/\(\?(<?[=!]|>)/.test(re)) return 'look-around and atomic groups are not RE2';
  if (/[*+?}]\+/.test(stripClasses(re))) return 'possessive quantifiers are not RE2';
  if (/\\C/.test(re)) return '\\C (any byte) has no safe PCRE equivalent';
  const groups = stripClasses(re).replace(/\\./g, '').match(/\(\?[^)]{0,8}/g) ?? [];
  for (const g of groups) {
    if (!/^\(\?(?::|P?<[A-Za-z_]|[imsU-]+[:)]?)/.test(g)) return `group ${JSON.stringify(g)} is not RE2`;
  }
  return undefined;
}

/** Removes `[...]` classes so that checks on escapes do not see class members. */
function stripClasses(re: string): string {
  return re.replace(/\[(?:\\.|[^\]\\])*\]/g, '[]');
}

/** A full-match PCRE for an Envoy regex (Envoy's safe_regex matches the whole value). */
export function fullMatch(re: string): string {
  return `^(?:${re})$`;
}

/** The nginx variable APISIX reads for a request header (`x-user` -> `http_x_user`). */
export function headerVar(name: string): string | undefined {
  const lower = name.toLowerCase();
  switch (lower) {
    case ':method':
      return 'request_method';
    case ':authority':
    case 'host':
      return 'http_host';
    case ':scheme':
      return 'scheme';
    case ':path':
      return 'request_uri';
    default:
      if (lower.startsWith(':') || !/^[a-z0-9_-]+$/.test(lower)) return undefined;
      return `http_${lower.replace(/-/g, '_')}`;
  }
}

function argVar(name: string): string | undefined {
  return /^[A-Za-z0-9_-]+$/.test(name) ? `arg_${name}` : undefined;
}

type Cond = unknown[];
/** `value` is present (any string, even empty); `~~` is false for a missing variable. */
const present = (v: string): Cond => [v, '~~', '^'];

/** A string condition on variable v. `undefined` result means not expressible (reason in issues). */
function stringCond(v: string, m: StringMatcher, path: string, issues: MatchIssue[]): Cond | undefined {
  const p = m.matchPattern;
  const op = m.ignoreCase ? '~*' : '~~';
  switch (p.case) {
    case 'exact':
      return m.ignoreCase ? [v, '~*', `^${quoteRegex(p.value)}$`] : [v, '==', p.value];
    case 'prefix':
      return [v, op, `^${quoteRegex(p.value)}`];
    case 'suffix':
      return [v, op, `${quoteRegex(p.value)}$`];
    case 'contains':
      return [v, op, quoteRegex(p.value)];
    case 'safeRegex': {
      const re = p.value.regex;
      const problem = re2ToPcreProblem(re);
      if (problem) {
        issues.push({ path: `${path}.safe_regex.regex`, severity: 'dropped', reason: `regex ${JSON.stringify(re)}: ${problem}` });
        return undefined;
      }
      if (m.ignoreCase) {
        issues.push({ path: `${path}.ignore_case`, severity: 'ignored', reason: 'Envoy ignores ignore_case for safe_regex' });
      }
      return [v, '~~', fullMatch(re)];
    }
    default:
      issues.push({ path, severity: 'dropped', reason: `string matcher ${String(p.case)} has no APISIX equivalent` });
      return undefined;
  }
}

/**
 * One HeaderMatcher -> conditions (ANDed). Envoy semantics kept: a missing header fails every
 * matcher but `present_match: false`, inverted or not, so an inverted value match also needs the
 * header present (lua-resty-expr's `!` alone would be true for a missing variable).
 */
function headerConds(h: HeaderMatcher, path: string, issues: MatchIssue[]): Cond[] | undefined {
  const v = headerVar(h.name);
  if (!v) {
    issues.push({ path: `${path}.name`, severity: 'dropped', reason: `header ${JSON.stringify(h.name)} has no nginx variable` });
    return undefined;
  }
  if (h.treatMissingHeaderAsEmpty) {
    issues.push({ path: `${path}.treat_missing_header_as_empty`, severity: 'approximated', reason: 'a missing header does not match as empty' });
  }
  const s = h.headerMatchSpecifier;
  let cond: Cond | undefined;
  switch (s.case) {
    case 'presentMatch': {
      const wantPresent = s.value !== h.invertMatch;
      return [wantPresent ? present(v) : [v, '!', '~~', '^']];
    }
    case undefined:
      // Neither value nor regex: Envoy treats it as present_match.
      return [h.invertMatch ? [v, '!', '~~', '^'] : present(v)];
    case 'exactMatch':
      cond = [v, '==', s.value];
      break;
    case 'prefixMatch':
      cond = [v, '~~', `^${quoteRegex(s.value)}`];
      break;
    case 'suffixMatch':
      cond = [v, '~~', `${quoteRegex(s.value)}$`];
      break;
    case 'containsMatch':
      cond = [v, '~~', quoteRegex(s.value)];
      break;
    case 'safeRegexMatch': {
      const problem = re2ToPcreProblem(s.value.regex);
      if (problem) {
        issues.push({ path: `${path}.safe_regex_match.regex`, severity: 'dropped', reason: problem });
        return undefined;
      }
      cond = [v, '~~', fullMatch(s.value.regex)];
      break;
    }
    case 'stringMatch':
      cond = stringCond(v, s.value, `${path}.string_match`, issues);
      break;
    case 'rangeMatch': {
      const { start, end } = s.value;
      // Envoy: integer value in [start, end); lua-resty-expr compares numbers with tonumber().
      const isInt: Cond = [v, '~~', '^-?[0-9]+$'];
      const inRange: Cond[] = [isInt, [v, '>', Number(start) - 1], [v, '<', Number(end)]];
      if (!h.invertMatch) return inRange;
      issues.push({ path: `${path}.invert_match`, severity: 'dropped', reason: 'an inverted range_match needs OR, which route vars cannot express' });
      return undefined;
    }
    default:
      issues.push({ path, severity: 'dropped', reason: `header matcher ${String((s as { case: string }).case)} has no APISIX equivalent` });
      return undefined;
  }
  if (!cond) return undefined;
  if (!h.invertMatch) return [cond];
  return [present(v), [cond[0], '!', ...cond.slice(1)]];
}

function queryConds(q: QueryParameterMatcher, path: string, issues: MatchIssue[]): Cond[] | undefined {
  const v = argVar(q.name);
  if (!v) {
    issues.push({ path: `${path}.name`, severity: 'dropped', reason: `query parameter ${JSON.stringify(q.name)} has no nginx variable` });
    return undefined;
  }
  const s = q.queryParameterMatchSpecifier;
  if (s.case === 'stringMatch') {
    const c = stringCond(v, s.value, `${path}.string_match`, issues);
    return c ? [c] : undefined;
  }
  // present_match (or nothing: Envoy then only requires presence).
  return s.case === 'presentMatch' && !s.value ? [[v, '!', '~~', '^']] : [present(v)];
}

/** A frozen TranslatedMatch for `prefix` `/` (or empty), case-sensitive, with nothing else to match. */
function frozenPrefixMatch(value: string): TranslatedMatch {
  const none = (): unknown[][] => Object.freeze([]) as unknown as unknown[][];
  return Object.freeze({
    key: Object.freeze({ kind: 'prefix', prefix: '/' }) as PathKey,
    pathVars: none(),
    keyVars: none(),
    vars: none(),
    matchedPrefix: Object.freeze({ value, ignoreCase: false }),
    exactPath: undefined,
    issues: Object.freeze([]) as unknown as MatchIssue[],
  });
}

const MATCH_ALL = frozenPrefixMatch('/');
const MATCH_ALL_EMPTY = frozenPrefixMatch('');

/**
 * The translation of the commonest match (prefix `/`, as Istio's default route has), shared by
 * every route that has it: one object instead of seven per route. Frozen, so that a caller that
 * tried to change it would fail loudly instead of changing other routes. Undefined otherwise.
 */
export function sharedRouteMatch(match: RouteMatch | undefined): TranslatedMatch | undefined {
  if (!match || match.caseSensitive === false) return undefined;
  const ps = match.pathSpecifier;
  if (ps.case !== 'prefix' || (ps.value !== '/' && ps.value !== '')) return undefined;
  if (match.headers.length || match.queryParameters.length || match.grpc || match.runtimeFraction || match.tlsContext || match.dynamicMetadata.length) return undefined;
  return ps.value === '/' ? MATCH_ALL : MATCH_ALL_EMPTY;
}

/** Translates a RouteMatch. `path` is the proto path of the match (`virtual_hosts[0].routes[1].match`). */
export function translateRouteMatch(match: RouteMatch | undefined, path: string): TranslatedMatch {
  const issues: MatchIssue[] = [];
  const fail = (reason: string): TranslatedMatch => ({ key: { kind: 'any' }, pathVars: [], keyVars: [], vars: [], issues, fatal: reason });
  if (!match) return fail('route has no match');
  const caseSensitive = match.caseSensitive !== false;
  const ps = match.pathSpecifier;
  let key: PathKey = { kind: 'any' };
  let pathVars: Cond[] = [];
  let matchedPrefix: TranslatedMatch['matchedPrefix'];
  let exactPath: string | undefined;
  const op = caseSensitive ? '~~' : '~*';
  // A radixtree key is usable for case-sensitive literals without radixtree syntax (`:` params, `*`).
  const native = (s: string) => caseSensitive && s.startsWith('/') && !/[:*]/.test(s);
  switch (ps.case) {
    case 'prefix': {
      const p = ps.value;
      matchedPrefix = { value: p, ignoreCase: !caseSensitive };
      if (p === '' || p === '/') {
        key = { kind: 'prefix', prefix: '/' };
      } else if (native(p)) {
        key = { kind: 'prefix', prefix: p };
      }
      pathVars = p === '' || p === '/' ? [] : [['uri', op, `^${quoteRegex(p)}`]];
      break;
    }
    case 'path': {
      const p = ps.value;
      exactPath = p;
      if (native(p)) key = { kind: 'exact', uri: p };
      pathVars = [caseSensitive ? ['uri', '==', p] : ['uri', '~*', `^${quoteRegex(p)}$`]];
      break;
    }
    case 'pathSeparatedPrefix': {
      const p = ps.value;
      matchedPrefix = { value: p, ignoreCase: !caseSensitive };
      // Matches `p` itself or `p/...`; the native key is the prefix, the separator check is a var.
      if (native(p)) key = { kind: 'prefix', prefix: p };
      pathVars = [['uri', op, `^${quoteRegex(p)}(?:/|$)`]];
      break;
    }
    case 'safeRegex': {
      const re = ps.value.regex;
      if (re === '.*' || re === '/.*') {
        // Match-all regexes (common in generated configs) are the prefix `/`: no vars needed.
        key = { kind: 'prefix', prefix: '/' };
        break;
      }
      const problem = re2ToPcreProblem(re);
      if (problem) return fail(`match.safe_regex ${JSON.stringify(re)}: ${problem}`);
      if (!caseSensitive) {
        issues.push({ path: `${path}.case_sensitive`, severity: 'ignored', reason: 'Envoy ignores case_sensitive for safe_regex' });
      }
      pathVars = [['uri', '~~', fullMatch(re)]];
      break;
    }
    default:
      return fail(`match.${snake(String(ps.case))} has no APISIX equivalent`);
  }
  const keyVars = key.kind !== 'any' && ps.case === 'pathSeparatedPrefix' ? pathVars : [];
  const vars: Cond[] = [];
  for (let i = 0; i < match.headers.length; i++) {
    const c = headerConds(match.headers[i]!, `${path}.headers[${i}]`, issues);
    if (!c) return fail(`${path}.headers[${i}] cannot be expressed`);
    vars.push(...c);
  }
  for (let i = 0; i < match.queryParameters.length; i++) {
    const c = queryConds(match.queryParameters[i]!, `${path}.query_parameters[${i}]`, issues);
    if (!c) return fail(`${path}.query_parameters[${i}] cannot be expressed`);
    vars.push(...c);
  }
  if (match.grpc) vars.push(['http_content_type', '~~', '^application/grpc']);
  if (match.runtimeFraction) {
    issues.push({ path: `${path}.runtime_fraction`, severity: 'approximated', reason: 'runtime_fraction ignored: the route always matches' });
  }
  if (match.tlsContext) issues.push({ path: `${path}.tls_context`, severity: 'ignored', reason: 'no APISIX route condition on client TLS' });
  if (match.dynamicMetadata.length) {
    return fail(`${path}.dynamic_metadata cannot be expressed`);
  }
  return { key, pathVars, keyVars, vars, matchedPrefix, exactPath, issues };
}

/** camelCase oneof name -> proto field name. */
export function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
