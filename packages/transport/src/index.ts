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
  type TypeChanges,
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
export { spiffeId, createWorkloadCsr, type WorkloadIdentity, type WorkloadKeyAndCsr } from './workload-csr.js';
export {
  WORKLOAD_SECRET_NAME,
  ROOT_CA_SECRET_NAME,
  workloadCertificateFrom,
  workloadSecrets,
  mergeSecrets,
  withWorkloadSecrets,
  type WorkloadCertificate,
} from './workload-certificate.js';
export { requestWorkloadCertificate, type IstioCaClientOptions } from './istio-ca-client.js';
export {
  WorkloadCertificateManager,
  type WorkloadCertificateManagerOptions,
  type WorkloadCertificateManagerEvents,
  type WorkloadCertificateState,
  type WorkloadCertificateStatus,
} from './workload-certificate-manager.js';
export { startLocalIstioCa, type LocalIstioCa, type LocalIstioCaOptions } from './local-istio-ca.js';
