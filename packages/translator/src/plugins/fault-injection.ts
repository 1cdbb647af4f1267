import type { DirectResponseAction, HTTPFault } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';
import { durationSeconds as seconds } from '../duration.js';
import { integerPercent } from './percent.js';

/** DataSource (inline only) -> string; undefined with an issue otherwise. */
function dataSourceText(ds: DirectResponseAction['body'], at: string, issues: FieldIssue[]): string | undefined {
  if (!ds) return '';
  switch (ds.specifier.case) {
    case 'inlineString':
      return ds.specifier.value;
    case 'inlineBytes':
      try {
        return new TextDecoder('utf-8', { fatal: true }).decode(ds.specifier.value);
      } catch {
        issues.push({ path: `${at}.inline_bytes`, severity: 'approximated', reason: 'binary body is not valid UTF-8; invalid bytes replaced' });
        return new TextDecoder().decode(ds.specifier.value);
      }
    case undefined:
      return '';
    default:
      issues.push({ path: at, severity: 'ignored', reason: `body from ${ds.specifier.case} is not readable by a pure translator; empty body sent` });
      return '';
  }
}

/** direct_response -> `fault-injection` abort at 100% with Envoy's status and body. */
export function directResponsePlugin(d: DirectResponseAction, at: string, issues: FieldIssue[]): Record<string, unknown> | undefined {
  if (d.status < 200 || d.status > 599) {
    issues.push({ path: `${at}.status`, severity: 'dropped', reason: `status ${d.status} cannot be returned by fault-injection (200..599)` });
    return undefined;
  }
  const body = dataSourceText(d.body, `${at}.body`, issues) ?? '';
  return { abort: { http_status: d.status, body, percentage: 100 } };
}

/** HTTPFault (per-filter config) -> `fault-injection` abort and/or delay. */
export function faultPlugin(f: HTTPFault, at: string, issues: FieldIssue[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  if (f.abort) {
    const pct = integerPercent(f.abort.percentage);
    if (!pct.exact) issues.push({ path: `${at}.abort.percentage`, severity: 'approximated', reason: `rounded to ${pct.value}% (APISIX takes whole percents)` });
    if (f.abort.errorType.case === 'httpStatus') {
      const status = f.abort.errorType.value;
      if (status >= 200 && status <= 599 && pct.value > 0) out.abort = { http_status: status, percentage: pct.value };
      else if (status < 200 || status > 599) issues.push({ path: `${at}.abort.http_status`, severity: 'ignored', reason: `status ${status} out of APISIX's range` });
    } else {
      issues.push({ path: `${at}.abort`, severity: 'ignored', reason: `abort by ${String(f.abort.errorType.case)} has no APISIX equivalent` });
    }
  }
  if (f.delay) {
    const pct = integerPercent(f.delay.percentage);
    if (!pct.exact) issues.push({ path: `${at}.delay.percentage`, severity: 'approximated', reason: `rounded to ${pct.value}% (APISIX takes whole percents)` });
    if (f.delay.faultDelaySecifier.case === 'fixedDelay') {
      const s = seconds(f.delay.faultDelaySecifier.value) ?? 0;
      if (pct.value > 0) out.delay = { duration: s, percentage: pct.value };
    } else {
      issues.push({ path: `${at}.delay`, severity: 'ignored', reason: 'header-controlled delay has no APISIX equivalent' });
    }
  }
  if (f.headers.length) issues.push({ path: `${at}.headers`, severity: 'ignored', reason: 'fault applies to every request of the route' });
  if (f.downstreamNodes.length) issues.push({ path: `${at}.downstream_nodes`, severity: 'ignored', reason: 'not expressible' });
  if (f.upstreamCluster) issues.push({ path: `${at}.upstream_cluster`, severity: 'ignored', reason: 'not expressible' });
  if (f.responseRateLimit) issues.push({ path: `${at}.response_rate_limit`, severity: 'ignored', reason: 'no APISIX equivalent' });
  if (f.maxActiveFaults !== undefined) issues.push({ path: `${at}.max_active_faults`, severity: 'ignored', reason: 'no APISIX equivalent' });
  return Object.keys(out).length ? out : undefined;
}
