import type { RetryPolicy, RouteAction } from '@amesh/proto';
import type { ApisixUpstream } from './apisix-types.js';
import type { FieldIssue } from './field-issue.js';
import { durationSeconds as seconds } from './duration.js';
import type { UpstreamParams } from './upstream-variants.js';

/** retry_on conditions APISIX's retry (nginx proxy_next_upstream error/timeout) covers. */
const COVERED_RETRY_ON = new Set(['connect-failure', 'reset', 'refused-stream', 'reset-before-request']);

/**
 * The upstream settings a route asks of a cluster: retries (Envoy retries nothing without a
 * policy, APISIX retries each node by default, so 0 is explicit), retry budget, the hash key of
 * a hash_policy (only when the cluster is hash-balanced, as Envoy ignores it otherwise) and
 * pass_host for auto_host_rewrite.
 */
export function upstreamParamsFor(
  a: RouteAction,
  retry: RetryPolicy | undefined,
  retryAt: string,
  base: ApisixUpstream,
  at: string,
  issues: FieldIssue[],
): UpstreamParams {
  const p: UpstreamParams = {};
  if (retry) {
    p.retries = retry.numRetries ?? 1;
    const perTry = seconds(retry.perTryTimeout);
    if (perTry && perTry > 0) {
      p.retry_timeout = Math.round(perTry * (p.retries + 1) * 1000) / 1000;
      issues.push({ path: `${retryAt}.per_try_timeout`, severity: 'approximated', reason: `APISIX bounds all tries together (retry_timeout ${p.retry_timeout}s), not each try` });
    }
    const uncovered = retry.retryOn.split(',').map((s) => s.trim()).filter((s) => s && !COVERED_RETRY_ON.has(s));
    if (uncovered.length) {
      issues.push({ path: `${retryAt}.retry_on`, severity: 'approximated', reason: `APISIX retries on connection errors and timeouts only, not on ${uncovered.join(',')}` });
    }
    if (retry.retryBackOff) issues.push({ path: `${retryAt}.retry_back_off`, severity: 'ignored', reason: 'APISIX retries without back-off' });
    if (retry.retriableHeaders.length) issues.push({ path: `${retryAt}.retriable_headers`, severity: 'ignored', reason: 'not supported' });
  } else {
    p.retries = 0;
  }
  if (a.hashPolicy.length) {
    const hp = a.hashPolicy[0]!;
    if (base.type !== 'chash') {
      issues.push({ path: `${at}.hash_policy`, severity: 'ignored', reason: 'the cluster is not hash-balanced (RING_HASH/MAGLEV); Envoy ignores it too' });
    } else {
      const s = hp.policySpecifier;
      switch (s.case) {
        case 'header':
          Object.assign(p, { type: 'chash', hash_on: 'header', key: s.value.headerName.toLowerCase() });
          if (s.value.regexRewrite) issues.push({ path: `${at}.hash_policy[0].header.regex_rewrite`, severity: 'ignored', reason: 'not supported' });
          break;
        case 'cookie':
          Object.assign(p, { type: 'chash', hash_on: 'cookie', key: s.value.name });
          if (s.value.ttl) issues.push({ path: `${at}.hash_policy[0].cookie.ttl`, severity: 'ignored', reason: 'APISIX does not generate the cookie' });
          break;
        case 'connectionProperties':
          if (s.value.sourceIp) Object.assign(p, { type: 'chash', hash_on: 'vars', key: 'remote_addr' });
          break;
        case 'queryParameter':
          if (/^[A-Za-z0-9_]+$/.test(s.value.name)) Object.assign(p, { type: 'chash', hash_on: 'vars', key: `arg_${s.value.name}` });
          else issues.push({ path: `${at}.hash_policy[0].query_parameter.name`, severity: 'ignored', reason: 'name has no nginx variable' });
          break;
        default:
          issues.push({ path: `${at}.hash_policy[0]`, severity: 'ignored', reason: `hash on ${String(s.case)} not supported` });
      }
      if (a.hashPolicy.length > 1) issues.push({ path: `${at}.hash_policy[1]`, severity: 'approximated', reason: 'APISIX hashes one key; only the first policy is used' });
    }
  }
  if (a.hostRewriteSpecifier.case === 'autoHostRewrite' && a.hostRewriteSpecifier.value.value) p.pass_host = 'node';
  // Most routes (no retry policy, no hash policy): one shared, frozen object, not one per route.
  if (p.retries === 0 && p.retry_timeout === undefined && p.type === undefined && p.hash_on === undefined && p.key === undefined && p.pass_host === undefined) return NO_RETRIES;
  return p;
}

const NO_RETRIES: UpstreamParams = Object.freeze({ retries: 0 });
