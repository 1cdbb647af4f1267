import type { Cluster } from '@amesh/proto';
import type { HttpProtocolOptions as CoreHttpOptions } from '@amesh/proto/gen/envoy/config/core/v3/protocol_pb';
import { HttpProtocolOptionsSchema } from '@amesh/proto/gen/envoy/extensions/upstreams/http/v3/http_protocol_options_pb';
import { decodeAny } from './any-decode.js';
import type { ApisixUpstream } from './apisix-types.js';
import { durationSeconds } from './duration.js';
import type { ReportSink } from './report-sink.js';

export interface HttpProtocol {
  /** The upstream speaks HTTP/2 (APISIX can do that only through `grpc`/`grpcs`). */
  http2: boolean;
  keepalive?: NonNullable<ApisixUpstream['keepalive_pool']>;
}

const HTTP_OPTIONS_KEY = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Cluster HTTP protocol options -> h2-ness and the APISIX keepalive pool. */
export function httpProtocolOf(cluster: Cluster, report: ReportSink): HttpProtocol {
  const out: HttpProtocol = { http2: false };
  if (cluster.http2ProtocolOptions) out.http2 = true;
  if (cluster.httpProtocolOptions) report.add('http_protocol_options', 'ignored', 'HTTP/1 codec options are fixed in APISIX');
  if (cluster.commonHttpProtocolOptions) applyCommon(cluster.commonHttpProtocolOptions, 'common_http_protocol_options', out, report);
  if (cluster.maxRequestsPerConnection !== undefined) (out.keepalive ??= {}).requests = Math.max(1, cluster.maxRequestsPerConnection);
  for (const key of Object.keys(cluster.typedExtensionProtocolOptions).sort()) {
    const any = cluster.typedExtensionProtocolOptions[key]!;
    const at = `typed_extension_protocol_options["${key}"]`;
    if (key !== HTTP_OPTIONS_KEY && !any.typeUrl.endsWith(HTTP_OPTIONS_KEY)) {
      report.add(at, 'ignored', `protocol options ${key} have no APISIX counterpart`);
      continue;
    }
    const decoded = decodeAny(any, HttpProtocolOptionsSchema);
    if (!decoded.ok) {
      report.add(at, 'ignored', decoded.error);
      continue;
    }
    const opts = decoded.message;
    const proto = opts.upstreamProtocolOptions;
    if (proto.case === 'explicitHttpConfig') {
      const c = proto.value.protocolConfig.case;
      if (c === 'http2ProtocolOptions') out.http2 = true;
      else if (c === 'http3ProtocolOptions') report.add(`${at}.explicit_http_config.http3_protocol_options`, 'approximated', 'APISIX cannot speak HTTP/3 to upstreams; HTTP/1.1 is used');
    } else if (proto.case === 'autoConfig') {
      report.add(`${at}.auto_config`, 'approximated', 'no ALPN protocol selection toward upstreams in APISIX: HTTP/1.1 (grpc routes use HTTP/2)');
    } else if (proto.case === 'useDownstreamProtocolConfig') {
      report.add(`${at}.use_downstream_protocol_config`, 'approximated', 'APISIX uses HTTP/1.1 to upstreams, HTTP/2 only for gRPC (scheme grpc)');
    }
    if (opts.commonHttpProtocolOptions) applyCommon(opts.commonHttpProtocolOptions, `${at}.common_http_protocol_options`, out, report);
    if (opts.httpFilters.length > 0) report.add(`${at}.http_filters`, 'ignored', 'upstream HTTP filters have no APISIX counterpart');
    if (opts.headerValidationConfig) report.add(`${at}.header_validation_config`, 'ignored', 'header validation is APISIX\'s own');
  }
  if (out.http2) report.add('http2_protocol_options', 'approximated', 'HTTP/2 upstream -> scheme grpc/grpcs: APISIX speaks HTTP/2 to upstreams only through its gRPC proxy');
  return out;
}

function applyCommon(c: CoreHttpOptions, at: string, out: HttpProtocol, report: ReportSink): void {
  const idle = durationSeconds(c.idleTimeout);
  if (idle !== undefined) (out.keepalive ??= {}).idle_timeout = idle;
  if (c.maxRequestsPerConnection !== undefined) (out.keepalive ??= {}).requests = Math.max(1, c.maxRequestsPerConnection);
  if (c.maxConnectionDuration || c.maxStreamDuration || c.maxHeadersCount !== undefined || c.headersWithUnderscoresAction !== 0) {
    report.add(at, 'ignored', 'max_connection_duration / max_stream_duration / max_headers_count / headers_with_underscores_action have no per-upstream APISIX setting');
  }
}
