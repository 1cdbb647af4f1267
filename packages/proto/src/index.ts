/**
 * @amesh/proto: protobuf-es types for Envoy xDS v3, generated at build time from the protos in
 * @grpc/grpc-js-xds. The most used messages are re-exported here; every generated file is also
 * importable as `@amesh/proto/gen/<proto path>_pb`.
 */
export { TypeUrl, PUSH_ORDER, typeNameOf, type XdsTypeUrl } from './type-urls.js';
export { typeRegistry, envoyRegistry } from './registry.js';
export { generatedFiles } from './gen/files.js';

export * from './gen/envoy/service/discovery/v3/ads_pb.js';
export * from './gen/envoy/service/discovery/v3/discovery_pb.js';
export * from './gen/envoy/config/cluster/v3/cluster_pb.js';
export * from './gen/envoy/config/cluster/v3/circuit_breaker_pb.js';
export * from './gen/envoy/config/cluster/v3/outlier_detection_pb.js';
export * from './gen/envoy/config/endpoint/v3/endpoint_pb.js';
export * from './gen/envoy/config/endpoint/v3/endpoint_components_pb.js';
export * from './gen/envoy/config/listener/v3/listener_pb.js';
export * from './gen/envoy/config/listener/v3/listener_components_pb.js';
export * from './gen/envoy/config/route/v3/route_pb.js';
export * from './gen/envoy/config/route/v3/route_components_pb.js';
export * from './gen/envoy/config/core/v3/address_pb.js';
export * from './gen/envoy/config/core/v3/base_pb.js';
export * from './gen/envoy/config/core/v3/config_source_pb.js';
export * from './gen/envoy/config/core/v3/health_check_pb.js';
export * from './gen/envoy/extensions/transport_sockets/tls/v3/tls_pb.js';
export * from './gen/envoy/extensions/transport_sockets/tls/v3/secret_pb.js';
export * from './gen/envoy/extensions/transport_sockets/tls/v3/common_pb.js';
export * from './gen/envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager_pb.js';
export * from './gen/envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy_pb.js';
export * from './gen/envoy/extensions/filters/http/fault/v3/fault_pb.js';
export * from './gen/envoy/extensions/filters/common/fault/v3/fault_pb.js';
export * from './gen/envoy/extensions/filters/http/cors/v3/cors_pb.js';
// Names that exist in more than one file: the route-level messages win; the others stay reachable
// through their `@amesh/proto/gen/...` module.
export {
  type RetryPolicy,
  RetryPolicySchema,
  type RetryPolicy_RetryHostPredicate,
  RetryPolicy_RetryHostPredicateSchema,
  type RetryPolicy_RetryPriority,
  RetryPolicy_RetryPrioritySchema,
  type CorsPolicy,
  CorsPolicySchema,
} from './gen/envoy/config/route/v3/route_components_pb.js';
export * from './gen/envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit_pb.js';
export * from './gen/envoy/type/matcher/v3/string_pb.js';
export * from './gen/envoy/type/matcher/v3/regex_pb.js';
export * from './gen/envoy/type/v3/percent_pb.js';
export * from './gen/google/rpc/status_pb.js';
