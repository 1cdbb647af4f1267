export * from './xds-snapshot.js';
export { AdsClient, type AdsClientOptions, type AdsClientEvents, type AdsProtocol } from './ads-client.js';
export { AdsServer, type AdsServerOptions, type AdsServerStats, type ConnectedClient } from './ads-server.js';
export { SnapshotCache, type ServerNack } from './snapshot-cache.js';
export {
  buildResourceSnapshot,
  buildResourceSnapshotFromAnys,
  withResources,
  type ResourceSnapshot,
  type ServedResource,
  type TypeSnapshot,
} from './resource-snapshot.js';
export { buildIstioNode, istioIdentityFromEnv, parseLabelsFile, type Env, type IstioIdentity, type IstioNodeOptions } from './istio-node.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export { baseUrlOf, type ConnectionOptions } from './connection.js';
export {
  RESOURCE_TYPES,
  resourceTypeOf,
  edsServiceName,
  listenerRouteNames,
  clusterSecretNames,
  listenerSecretNames,
  type XdsResourceType,
} from './resource-types.js';
export { startFileControlPlane, type FileControlPlane, type FileControlPlaneOptions } from './file-control-plane.js';
