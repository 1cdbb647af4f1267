import type { StringMatcher } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';
import { fullMatch, quoteRegex, re2ToPcreProblem } from '../route-match.js';
import { ratio } from './percent.js';

/** The fields both CorsPolicy messages (route-level and the cors filter's) share. */
export interface CorsLike {
  allowOriginStringMatch: StringMatcher[];
  allowMethods: string;
  allowHeaders: string;
  exposeHeaders: string;
  maxAge: string;
  allowCredentials?: boolean;
  filterEnabled?: { defaultValue?: Parameters<typeof ratio>[0] };
  shadowEnabled?: unknown;
  allowPrivateNetworkAccess?: boolean;
}

const ORIGIN = /^\w+:\/\/[^,]+$/;

/** Envoy CorsPolicy -> APISIX `cors` plugin. */
export function corsPlugin(c: CorsLike, at: string, issues: FieldIssue[]): Record<string, unknown> | undefined {
  if (c.filterEnabled && ratio(c.filterEnabled.defaultValue) === 0) return undefined;
  if (c.filterEnabled && ratio(c.filterEnabled.defaultValue) < 1) {
    issues.push({ path: `${at}.filter_enabled`, severity: 'approximated', reason: 'CORS enabled for every request' });
  }
  const exact: string[] = [];
  const regex: string[] = [];
  c.allowOriginStringMatch.forEach((m, i) => {
    const p = m.matchPattern;
    const flags = m.ignoreCase ? '(?i)' : '';
    switch (p.case) {
      case 'exact':
        if (p.value === '*') exact.push('*');
        else if (ORIGIN.test(p.value) && !m.ignoreCase) exact.push(p.value);
        else regex.push(`${flags}^${quoteRegex(p.value)}$`);
        break;
      case 'prefix':
        regex.push(`${flags}^${quoteRegex(p.value)}`);
        break;
      case 'suffix':
        regex.push(`${flags}${quoteRegex(p.value)}$`);
        break;
      case 'contains':
        regex.push(`${flags}${quoteRegex(p.value)}`);
        break;
      case 'safeRegex': {
        const problem = re2ToPcreProblem(p.value.regex);
        if (problem) issues.push({ path: `${at}.allow_origin_string_match[${i}].safe_regex.regex`, severity: 'ignored', reason: `regex ${JSON.stringify(p.value.regex)}: ${problem}` });
        else regex.push(fullMatch(p.value.regex));
        break;
      }
      default:
        issues.push({ path: `${at}.allow_origin_string_match[${i}]`, severity: 'ignored', reason: 'matcher has no APISIX equivalent' });
    }
  });
  const out: Record<string, unknown> = {};
  if (exact.includes('*')) out.allow_origins = c.allowCredentials ? '**' : '*';
  else if (exact.length) out.allow_origins = [...new Set(exact)].join(',');
  else out.allow_origins = 'null';
  if (regex.length) out.allow_origins_by_regex = [...new Set(regex)];
  out.allow_methods = c.allowMethods ? c.allowMethods.replace(/\s+/g, '') : '*';
  out.allow_headers = c.allowHeaders ? c.allowHeaders.replace(/\s+/g, '') : '*';
  if (c.exposeHeaders) out.expose_headers = c.exposeHeaders.replace(/\s+/g, '');
  if (c.maxAge) {
    const n = Number(c.maxAge);
    if (Number.isInteger(n)) out.max_age = n;
    else issues.push({ path: `${at}.max_age`, severity: 'ignored', reason: `max_age ${JSON.stringify(c.maxAge)} is not an integer` });
  }
  if (c.allowCredentials) {
    out.allow_credential = true;
    if (out.allow_methods === '*') out.allow_methods = '**';
    if (out.allow_headers === '*') out.allow_headers = '**';
  }
  if (c.shadowEnabled) issues.push({ path: `${at}.shadow_enabled`, severity: 'ignored', reason: 'no shadow mode in APISIX' });
  if (c.allowPrivateNetworkAccess) issues.push({ path: `${at}.allow_private_network_access`, severity: 'ignored', reason: 'not supported' });
  return out;
}
