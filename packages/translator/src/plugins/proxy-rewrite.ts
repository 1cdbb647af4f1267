import type { RouteAction } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';
import { quoteRegex, re2ToPcreProblem } from '../route-match.js';
import { envoySubstitution } from './redirect.js';

export interface RewriteMatchContext {
  readonly matchedPrefix?: { readonly value: string; readonly ignoreCase: boolean };
  readonly exactPath?: string;
}

const HOST = /^[0-9a-zA-Z-.]+(:\d{1,5})?$/;

/**
 * The path and host parts of `proxy-rewrite` for a RouteAction: prefix_rewrite (as `regex_uri`
 * on the matched prefix, or `uri` for an exact path match), regex_rewrite, host_rewrite_literal.
 * auto_host_rewrite is an upstream setting (pass_host: node), handled by the caller.
 */
export function rewriteConfig(a: RouteAction, ctx: RewriteMatchContext, at: string, issues: FieldIssue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (a.prefixRewrite === '' && !a.regexRewrite && !a.pathRewritePolicy && a.hostRewriteSpecifier.case === undefined) return out;
  if (a.prefixRewrite !== '') {
    if (ctx.exactPath !== undefined) {
      if (a.prefixRewrite.startsWith('/')) out.uri = a.prefixRewrite;
      else issues.push({ path: `${at}.prefix_rewrite`, severity: 'ignored', reason: 'the rewritten path would not start with /' });
    } else if (ctx.matchedPrefix) {
      const p = ctx.matchedPrefix;
      out.regex_uri = [`${p.ignoreCase ? '(?i)' : ''}^${quoteRegex(p.value)}(.*)`, `${a.prefixRewrite.replace(/\$/g, '$$$$')}$1`];
    } else {
      issues.push({ path: `${at}.prefix_rewrite`, severity: 'ignored', reason: 'prefix_rewrite needs a prefix or path match' });
    }
  } else if (a.regexRewrite) {
    const re = a.regexRewrite.pattern?.regex ?? '';
    const problem = re2ToPcreProblem(re);
    if (problem || re === '') {
      issues.push({ path: `${at}.regex_rewrite.pattern.regex`, severity: 'ignored', reason: problem ?? 'empty pattern' });
    } else {
      out.regex_uri = [re, envoySubstitution(a.regexRewrite.substitution)];
      if (!re.startsWith('^')) {
        issues.push({ path: `${at}.regex_rewrite`, severity: 'approximated', reason: 'APISIX replaces the first match only; Envoy replaces every match' });
      }
    }
  }
  if (a.pathRewritePolicy) issues.push({ path: `${at}.path_rewrite_policy`, severity: 'ignored', reason: 'path template rewrite not supported' });
  const h = a.hostRewriteSpecifier;
  switch (h.case) {
    case 'hostRewriteLiteral':
      if (HOST.test(h.value)) out.host = h.value;
      else issues.push({ path: `${at}.host_rewrite_literal`, severity: 'ignored', reason: `host ${JSON.stringify(h.value)} is not valid for APISIX` });
      break;
    case 'hostRewriteHeader':
      issues.push({ path: `${at}.host_rewrite_header`, severity: 'ignored', reason: 'host from a header is not supported' });
      break;
    case 'hostRewritePathRegex':
      issues.push({ path: `${at}.host_rewrite_path_regex`, severity: 'ignored', reason: 'host from the path is not supported' });
      break;
    default:
      break;
  }
  return out;
}
