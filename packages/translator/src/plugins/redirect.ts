import type { RedirectAction } from '@amesh/proto';
import { RedirectAction_RedirectResponseCode as Code } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';
import { quoteRegex, re2ToPcreProblem } from '../route-match.js';

const STATUS: Record<Code, number> = {
  [Code.MOVED_PERMANENTLY]: 301,
  [Code.FOUND]: 302,
  [Code.SEE_OTHER]: 303,
  [Code.TEMPORARY_REDIRECT]: 307,
  [Code.PERMANENT_REDIRECT]: 308,
};

/** What the route matched, which a prefix rewrite of the redirect path needs. */
export interface RedirectMatchContext {
  readonly matchedPrefix?: { readonly value: string; readonly ignoreCase: boolean };
  /** Set when the route matched one exact path (a prefix_rewrite then replaces all of it). */
  readonly exactPath?: string;
}

/**
 * Envoy RedirectAction -> APISIX `redirect` plugin. The Location is built as one template
 * (`$scheme://$host…`), since APISIX's `uri` accepts nginx variables; a prefix or regex rewrite of
 * the path becomes `regex_uri` with the same template around the captured rest.
 */
export function redirectPlugin(r: RedirectAction, ctx: RedirectMatchContext, at: string, issues: FieldIssue[]): Record<string, unknown> | undefined {
  const scheme = r.schemeRewriteSpecifier.case === 'httpsRedirect' && r.schemeRewriteSpecifier.value
    ? 'https'
    : r.schemeRewriteSpecifier.case === 'schemeRedirect' && r.schemeRewriteSpecifier.value
      ? r.schemeRewriteSpecifier.value.toLowerCase()
      : undefined;
  if (scheme !== undefined && !/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
    issues.push({ path: `${at}.scheme_redirect`, severity: 'dropped', reason: `scheme ${JSON.stringify(scheme)} is not valid` });
    return undefined;
  }
  const hostChanged = r.hostRedirect !== '';
  if (hostChanged && !/^[A-Za-z0-9.\-[\]:]+$/.test(r.hostRedirect)) {
    issues.push({ path: `${at}.host_redirect`, severity: 'dropped', reason: `host ${JSON.stringify(r.hostRedirect)} is not valid` });
    return undefined;
  }
  // Envoy drops the original port when scheme or host change (unless port_redirect is given).
  let port = '';
  if (r.portRedirect) port = `:${r.portRedirect}`;
  else if (!hostChanged && scheme === undefined) port = '$port_suffix';
  const authority = `${scheme ?? '$scheme'}://${hostChanged ? r.hostRedirect : '$host'}`;
  const status = STATUS[r.responseCode] ?? 301;
  const query = r.stripQuery ? '' : '$is_args$args';
  if (port === '$port_suffix') {
    // `$host` has no port and APISIX has no "port of the Host header" variable.
    issues.push({ path: at, severity: 'approximated', reason: 'the port of the original Host is not kept in the Location' });
    port = '';
  }
  const p = r.pathRewriteSpecifier;
  const base: Record<string, unknown> = { ret_code: status };
  switch (p.case) {
    case 'pathRedirect':
      if (!p.value.startsWith('/')) {
        issues.push({ path: `${at}.path_redirect`, severity: 'dropped', reason: 'path_redirect must start with /' });
        return undefined;
      }
      // A query in path_redirect replaces the original one (Envoy).
      return { ...base, uri: `${authority}${port}${escapeDollar(p.value)}${p.value.includes('?') ? '' : query}` };
    case 'prefixRewrite': {
      const prefix = ctx.matchedPrefix;
      if (ctx.exactPath !== undefined && p.value.startsWith('/')) return { ...base, uri: `${authority}${port}${escapeDollar(p.value)}${query}` };
      if (!prefix) {
        issues.push({ path: `${at}.prefix_rewrite`, severity: 'dropped', reason: 'prefix_rewrite needs a prefix match' });
        return undefined;
      }
      const re = `${prefix.ignoreCase ? '(?i)' : ''}^${quoteRegex(prefix.value)}(.*)$`;
      return { ...base, regex_uri: [re, `${authority}${port}${escapeDollar(p.value)}$1`], append_query_string: !r.stripQuery };
    }
    case 'regexRewrite': {
      const re = p.value.pattern?.regex ?? '';
      const problem = re === '' ? 'empty pattern' : re2ToPcreProblem(re);
      if (problem) {
        issues.push({ path: `${at}.regex_rewrite.pattern.regex`, severity: 'dropped', reason: problem });
        return undefined;
      }
      return { ...base, regex_uri: [re, `${authority}${port}${envoySubstitution(p.value.substitution)}`], append_query_string: !r.stripQuery };
    }
    default:
      return { ...base, uri: `${authority}${port}$uri${query}` };
  }
}

/** A literal `$` in an APISIX template must not read as a variable. */
export function escapeDollar(s: string): string {
  return s.replace(/\$/g, '\\$');
}

/** RE2 substitution (`\1`) -> ngx.re.sub template (`$1`), literal `$` escaped. */
export function envoySubstitution(s: string): string {
  return s.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1');
}
