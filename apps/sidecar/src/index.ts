// @amesh/sidecar: the agent (istiod -> translator -> storage) as a library; the CLI is bin/amesh-sidecar.js.
export * from './config/sidecar-config.js';
export { parseCommand, parseXdsSource, USAGE, DEFAULT_STATUS_PORT, DEFAULT_XDS_SOURCE, type Env, type HostFacts } from './config/parse-config.js';
export { jsonEqual } from './pipeline/json-equal.js';
export { diffConfig, WrittenIndex, type ConfigDiff } from './pipeline/config-diff.js';
export { SyncPipeline, type SyncPipelineDeps, type AppliedInfo, type PipelineError } from './pipeline/sync-pipeline.js';
export { SidecarMetrics, typeLabel } from './observability/sidecar-metrics.js';
export { explain, type Explanation, type ExplainInput, type EnvoyPick, type EnvoyAction } from './explain/explain.js';
export { parseExplainQuery, type ExplainRequest } from './explain/explain-request.js';
export { buildConfigDump, type ConfigDump, type ConfigDumpInput } from './status/config-dump.js';
export { startStatusServer, type StatusServer, type StatusSource } from './status/status-server.js';
export { startSidecar, type RunningSidecar } from './runtime/start-sidecar.js';
export { main, EXIT_OK, EXIT_FAILED, EXIT_USAGE } from './cli/main.js';
