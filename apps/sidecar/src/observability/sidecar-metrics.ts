import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Short names of the xDS types, used as the `type` label. */
export type XdsTypeLabel = 'cds' | 'eds' | 'lds' | 'rds' | 'sds' | 'other';

/**
 * The agent's Prometheus metrics, in a registry of their own (no global state, so tests and several
 * agents in one process do not collide).
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly pushes = new Counter({
    name: 'amesh_xds_pushes_total',
    help: 'xDS pushes accepted, per type (a new version of the type in a consistent snapshot)',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly nacks = new Counter({
    name: 'amesh_xds_nacks_total',
    help: 'xDS responses rejected (NACKed), per type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly snapshots = new Counter({
    name: 'amesh_snapshots_total',
    help: 'Consistent snapshots received, and how many were coalesced into a later one',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly translateSeconds = new Histogram({
    name: 'amesh_translate_duration_seconds',
    help: 'Time to translate one snapshot into APISIX objects',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly applySeconds = new Histogram({
    name: 'amesh_apply_duration_seconds',
    help: 'Time for storage to accept and write one batch of changes',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly convergenceSeconds = new Histogram({
    name: 'amesh_push_to_applied_seconds',
    help: 'From a snapshot arriving to its configuration (or a later one) being written',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly changes = new Counter({
    name: 'amesh_storage_changes_total',
    help: 'Objects written (put) or deleted, per APISIX kind',
    labelNames: ['op', 'kind'] as const,
    registers: [this.registry],
  });
  readonly resources = new Gauge({
    name: 'amesh_apisix_resources',
    help: 'APISIX objects last written, per kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly reportItems = new Gauge({
    name: 'amesh_translation_report_items',
    help: 'Items of the last translation report, per severity',
    labelNames: ['severity'] as const,
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({
    name: 'amesh_storage_errors_total',
    help: 'Storage writes that failed (rejected batches, and backend errors the storage reported)',
    registers: [this.registry],
  });
  readonly storageRetries = new Counter({
    name: 'amesh_storage_retries_total',
    help: 'Storage write retries while the backend was unavailable',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'amesh_ready',
    help: '1 once the first complete snapshot has been written',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }
}

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` -> `cds`. */
export function typeLabel(typeUrl: string): XdsTypeLabel {
  if (typeUrl.endsWith('.Cluster')) return 'cds';
  if (typeUrl.endsWith('.ClusterLoadAssignment')) return 'eds';
  if (typeUrl.endsWith('.Listener')) return 'lds';
  if (typeUrl.endsWith('.RouteConfiguration')) return 'rds';
  if (typeUrl.endsWith('.Secret')) return 'sds';
  return 'other';
}
