import type { Any } from '@bufbuild/protobuf/wkt';
import { anyUnpack } from '@bufbuild/protobuf/wkt';
import { FilterConfigSchema, HTTPFaultSchema, LocalRateLimitSchema } from '@amesh/proto';
import { CorsPolicySchema as CorsFilterPolicySchema } from '@amesh/proto/gen/envoy/extensions/filters/http/cors/v3/cors_pb';
import type { FieldIssue } from '../field-issue.js';
import { hasKeys } from '../has-keys.js';
import { corsPlugin } from './cors.js';
import { faultPlugin } from './fault-injection.js';
import { limitCountPlugin } from './limit-count.js';

const PREFIX = 'type.googleapis.com/';
const FILTER_CONFIG = `${PREFIX}envoy.config.route.v3.FilterConfig`;
const FAULT = `${PREFIX}envoy.extensions.filters.http.fault.v3.HTTPFault`;
const CORS = `${PREFIX}envoy.extensions.filters.http.cors.v3.CorsPolicy`;
const LOCAL_RATELIMIT = `${PREFIX}envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit`;

export interface PerFilterLevel {
  readonly configs: { readonly [filter: string]: Any };
  /** Proto path of the map, e.g. `virtual_hosts[0].typed_per_filter_config`. */
  readonly at: string;
}

/**
 * typed_per_filter_config of the virtual host and the route (most specific last; a route entry
 * replaces the vhost entry of the same filter) -> APISIX plugins: fault -> fault-injection,
 * cors -> cors, local_ratelimit -> limit-count. Other filters are reported.
 */
export function perFilterPlugins(levels: readonly PerFilterLevel[], issues: FieldIssue[]): Record<string, Record<string, unknown>> {
  if (!levels.some((l) => hasKeys(l.configs))) return {};
  const effective = new Map<string, { any: Any; at: string }>();
  for (const level of levels) {
    for (const name of Object.keys(level.configs).sort()) {
      effective.set(name, { any: level.configs[name]!, at: `${level.at}[${JSON.stringify(name)}]` });
    }
  }
  const out: Record<string, Record<string, unknown>> = {};
  for (const [, { any: raw, at }] of effective) {
    let any: Any | undefined = raw;
    let path = at;
    try {
      if (any.typeUrl === FILTER_CONFIG) {
        const fc = anyUnpack(any, FilterConfigSchema);
        if (!fc || fc.disabled || !fc.config) continue;
        any = fc.config;
        path = `${at}.config`;
      }
      let plugin: [string, Record<string, unknown> | undefined] | undefined;
      switch (any.typeUrl) {
        case FAULT: {
          const f = anyUnpack(any, HTTPFaultSchema);
          plugin = ['fault-injection', f && faultPlugin(f, path, issues)];
          break;
        }
        case CORS: {
          const c = anyUnpack(any, CorsFilterPolicySchema);
          plugin = ['cors', c && corsPlugin(c, path, issues)];
          break;
        }
        case LOCAL_RATELIMIT: {
          const l = anyUnpack(any, LocalRateLimitSchema);
          plugin = ['limit-count', l && limitCountPlugin(l, path, issues)];
          break;
        }
        default:
          issues.push({ path, severity: 'ignored', reason: `per-filter config ${any.typeUrl || '(no type)'} is not translated` });
      }
      if (plugin?.[1]) out[plugin[0]] = plugin[1];
    } catch (e) {
      issues.push({ path, severity: 'ignored', reason: `cannot decode ${any.typeUrl}: ${(e as Error).message}` });
    }
  }
  return out;
}
