import type { TcpProxy } from '@amesh/proto';
import type { ApisixStreamRoute } from './apisix-types.js';
import type { FieldIssue } from './field-issue.js';
import { stableId } from './ids.js';
import { specificAddress } from './listener-scope.js';
import type { ClusterLookup } from './route-translator.js';

/** A filter chain ending in tcp_proxy. */
export interface TcpChain {
  readonly listener: string;
  readonly at: string;
  readonly address: string | undefined;
  readonly port: number | undefined;
  readonly serverNames: readonly string[];
  readonly proxy: TcpProxy;
}

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::', '']);

/**
 * tcp_proxy chains -> stream_routes: matched on the original destination port (and address for
 * `<vip>_<port>` listeners), one per SNI for TLS passthrough chains. Weighted clusters keep the
 * heaviest one (reported). Gated on completeness like HTTP routes.
 */
export function translateTcpChain(
  chain: TcpChain,
  clusters: ClusterLookup,
  upstreamIdOf: (cluster: string) => string,
  issues: FieldIssue[],
): ApisixStreamRoute[] {
  const cs = chain.proxy.clusterSpecifier;
  let cluster: string | undefined;
  if (cs.case === 'cluster') cluster = cs.value;
  else if (cs.case === 'weightedClusters') {
    const sorted = [...cs.value.clusters].filter((c) => c.weight > 0).sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));
    cluster = sorted[0]?.name;
    if (sorted.length > 1) issues.push({ path: `${chain.at}.typed_config.weighted_clusters`, severity: 'approximated', reason: `stream routes cannot split by weight; all traffic to ${cluster}` });
  }
  if (!cluster) {
    issues.push({ path: `${chain.at}.typed_config`, severity: 'dropped', reason: 'tcp_proxy names no cluster' });
    return [];
  }
  if (!clusters.usable(cluster)) {
    issues.push({ path: `${chain.at}.typed_config.cluster`, severity: 'dropped', reason: `cluster ${cluster} ${clusters.whyNot(cluster)}` });
    return [];
  }
  if (chain.proxy.metadataMatch) issues.push({ path: `${chain.at}.typed_config.metadata_match`, severity: 'ignored', reason: 'subset load balancing not supported' });
  const base: Omit<ApisixStreamRoute, 'id'> = { upstream_id: upstreamIdOf(cluster) };
  if (chain.port !== undefined && chain.port >= 1 && chain.port <= 65535) base.server_port = chain.port;
  const addr = specificAddress(chain.address);
  if (addr) base.server_addr = addr;
  else if (chain.address && !WILDCARD_ADDRESSES.has(chain.address)) {
    issues.push({ path: 'address', severity: 'approximated', reason: `listener address ${chain.address} is not an IP literal; the stream route matches any address` });
  }
  const snis = chain.serverNames.length ? chain.serverNames : [undefined];
  return snis.map((sni) => {
    const r: ApisixStreamRoute = { id: stableId('sr', chain.listener, chain.at, sni ?? ''), ...base };
    r.desc = `${chain.listener} ${chain.at}${sni ? ` sni ${sni}` : ''} -> ${cluster}`.slice(0, 256);
    if (sni) r.sni = sni.toLowerCase();
    return r;
  });
}
