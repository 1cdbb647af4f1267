import type { MatchRequest } from '@amesh/translator';

/** A request to explain: what a client would send through the sidecar. */
export interface ExplainRequest extends MatchRequest {
  /** Authority without port, lower-cased (APISIX's `$host`). */
  readonly host: string;
}

const USAGE = 'expected ?host=H&path=P[&port=N][&direction=outbound|inbound][&method=M][&header.NAME=VALUE]';

/**
 * `?host=H&path=P[&port=N][&direction=D][&method=M][&header.x=v]...` -> ExplainRequest, or the
 * problem with it. `host` is the authority as sent and may carry a port (`reviews:9080`), used
 * when `port` is absent. `direction` (default outbound) picks the listeners; `path` may carry a
 * query.
 */
export function parseExplainQuery(params: URLSearchParams): ExplainRequest | string {
  const rawHost = params.get('host');
  const rawPath = params.get('path');
  if (!rawHost) return `missing "host": ${USAGE}`;
  if (!rawPath || !rawPath.startsWith('/')) return `"path" must start with "/" (got ${JSON.stringify(rawPath ?? '')})`;
  const authority = rawHost;
  let host = rawHost.toLowerCase();
  let port: number | undefined;
  const hostPort = /^(.*):(\d+)$/.exec(host);
  if (hostPort && !host.endsWith(']')) {
    host = hostPort[1];
    port = Number(hostPort[2]);
  }
  const rawPort = params.get('port');
  if (rawPort !== null) {
    if (!/^\d{1,5}$/.test(rawPort) || Number(rawPort) > 65535) return `"port" must be 0-65535 (got ${JSON.stringify(rawPort)})`;
    port = Number(rawPort);
  }
  const direction = params.get('direction') ?? 'outbound';
  if (direction !== 'outbound' && direction !== 'inbound') return `"direction" must be outbound or inbound (got ${JSON.stringify(direction)})`;
  const q = rawPath.indexOf('?');
  const path = q < 0 ? rawPath : rawPath.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(rawPath.slice(q + 1))) query[k] ??= v;
  const headers: Record<string, string> = {};
  for (const [k, v] of params) {
    if (k.startsWith('header.')) headers[k.slice(7).toLowerCase()] = v;
    else if (k.startsWith('query.')) query[k.slice(6)] = v;
  }
  return { authority, host, path, port, direction, method: (params.get('method') ?? 'GET').toUpperCase(), headers, query };
}
