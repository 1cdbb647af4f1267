import type { LocalRateLimit } from '@amesh/proto';
import type { FieldIssue } from '../field-issue.js';
import { durationSeconds as seconds } from '../duration.js';
import { ratio } from './percent.js';

/**
 * local_ratelimit's token bucket -> `limit-count` (a fixed window): `tokens_per_fill` requests per
 * `fill_interval`, one shared counter for the route (key_type constant). Bursts up to max_tokens
 * are not modelled: reported as approximated.
 */
export function limitCountPlugin(l: LocalRateLimit, at: string, issues: FieldIssue[]): Record<string, unknown> | undefined {
  if (l.filterEnabled && ratio(l.filterEnabled.defaultValue) === 0) return undefined;
  if (l.filterEnforced && ratio(l.filterEnforced.defaultValue) === 0) {
    issues.push({ path: `${at}.filter_enforced`, severity: 'ignored', reason: 'rate limit only observed (shadow), nothing enforced' });
    return undefined;
  }
  const tb = l.tokenBucket;
  if (!tb) {
    issues.push({ path: `${at}.token_bucket`, severity: 'ignored', reason: 'no token bucket: nothing to limit' });
    return undefined;
  }
  const perFill = tb.tokensPerFill ?? 1;
  const interval = seconds(tb.fillInterval) ?? 0;
  if (perFill <= 0 || interval <= 0) {
    issues.push({ path: `${at}.token_bucket`, severity: 'ignored', reason: 'token bucket never fills' });
    return undefined;
  }
  const window = Math.max(1, Math.round(interval));
  const count = Math.max(1, Math.round((perFill * window) / interval));
  issues.push({ path: `${at}.token_bucket`, severity: 'approximated', reason: `token bucket as a fixed window of ${count} per ${window}s (burst max_tokens=${tb.maxTokens} not modelled)` });
  const code = l.status?.code;
  if (l.descriptors.length) issues.push({ path: `${at}.descriptors`, severity: 'ignored', reason: 'descriptor-based limits not translated' });
  if (l.localRateLimitPerDownstreamConnection) issues.push({ path: `${at}.local_rate_limit_per_downstream_connection`, severity: 'approximated', reason: 'limited per route, not per connection' });
  return {
    count,
    time_window: window,
    key_type: 'constant',
    key: 'route',
    rejected_code: code && code >= 200 && code <= 599 ? code : 429,
    policy: 'local',
  };
}
