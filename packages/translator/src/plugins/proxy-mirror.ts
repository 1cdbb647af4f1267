import type { RouteAction_RequestMirrorPolicy } from '@amesh/proto';
import type { ApisixUpstream } from '../apisix-types.js';
import type { FieldIssue } from '../field-issue.js';
import { ratio } from './percent.js';

/**
 * request_mirror_policies -> `proxy-mirror`. APISIX mirrors to one host URL, so the mirror
 * cluster's first node is used; only the first policy is kept.
 */
export function proxyMirrorPlugin(
  policies: readonly RouteAction_RequestMirrorPolicy[],
  upstreamOf: (cluster: string) => ApisixUpstream | undefined,
  at: string,
  issues: FieldIssue[],
): Record<string, unknown> | undefined {
  if (!policies.length) return undefined;
  if (policies.length > 1) issues.push({ path: `${at}[1]`, severity: 'ignored', reason: 'APISIX mirrors to one destination; only the first policy kept' });
  const p = policies[0]!;
  if (!p.cluster) {
    issues.push({ path: `${at}[0].cluster_header`, severity: 'ignored', reason: 'mirror cluster from a header is not supported' });
    return undefined;
  }
  const u = upstreamOf(p.cluster);
  const node = u?.nodes[0];
  if (!u || !node) {
    issues.push({ path: `${at}[0].cluster`, severity: 'ignored', reason: `mirror cluster ${p.cluster} has no endpoints yet / unknown` });
    return undefined;
  }
  if (u.nodes.length > 1) issues.push({ path: `${at}[0].cluster`, severity: 'approximated', reason: 'mirrored to the first endpoint of the cluster only' });
  const host = node.host.includes(':') && !node.host.startsWith('[') ? `[${node.host}]` : node.host;
  const scheme = u.scheme === 'https' ? 'https' : u.scheme === 'grpc' || u.scheme === 'grpcs' ? u.scheme : 'http';
  const out: Record<string, unknown> = { host: `${scheme}://${host}:${node.port}` };
  const r = p.runtimeFraction ? ratio(p.runtimeFraction.defaultValue) : 1;
  if (r <= 0) return undefined;
  if (r < 1) out.sample_ratio = Math.max(1e-5, r);
  return out;
}
