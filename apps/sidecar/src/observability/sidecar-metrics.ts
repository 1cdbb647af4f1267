import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Short names of the xDS types, used as the `type` label. */
export type XdsTypeLabel = 'cds' | 'eds' | 'lds' | 'rds' | 'sds' | 'other';

/**
 * The agent's Prometheus metrics, in a registry of their own (no global state, so tests and several
 * agents in one process do not collide).
 */
export class SidecarMetrics {
  readonly registry = new Registry();
  readonly pushes = this.counter('amesh_xds_pushes_total', 'xDS pushes accepted, per type (a new version of the type in a consistent snapshot)', ['type']);
  readonly nacks = this.counter('amesh_xds_nacks_total', 'xDS responses rejected (NACKed), per type', ['type']);
  readonly snapshots = this.counter('amesh_snapshots_total', 'Consistent snapshots received, and how many were coalesced into a later one', ['outcome']);
  readonly translateSeconds = this.histogram('amesh_translate_duration_seconds', 'Time to translate one snapshot into APISIX objects', [0.0005, ...BUCKETS_TO_2_5S]);
  readonly applySeconds = this.histogram('amesh_apply_duration_seconds', 'Time for storage to accept and write one batch of changes', [0.0005, ...BUCKETS_TO_2_5S, 10]);
  readonly convergenceSeconds = this.histogram('amesh_push_to_applied_seconds', 'From a snapshot arriving to its configuration (or a later one) being written', [...BUCKETS_TO_2_5S, 10]);
  readonly changes = this.counter('amesh_storage_changes_total', 'Objects written (put) or deleted, per APISIX kind', ['op', 'kind']);
  readonly resources = this.gauge('amesh_apisix_resources', 'APISIX objects last written, per kind', ['kind']);
  readonly reportItems = this.gauge('amesh_translation_report_items', 'Items of the last translation report, per severity', ['severity']);
  readonly storageErrors = this.counter('amesh_storage_errors_total', 'Storage writes that failed (rejected batches, and backend errors the storage reported)');
  readonly storageRetries = this.counter('amesh_storage_retries_total', 'Storage write retries while the backend was unavailable');
  readonly ready = this.gauge('amesh_ready', '1 once the first complete snapshot has been written');

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  // Field initializers run in order, so `registry` exists when these are called.
  private counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  private gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  private histogram(name: string, help: string, buckets: number[]): Histogram {
    return new Histogram({ name, help, buckets, registers: [this.registry] });
  }
}

/** Duration buckets (seconds) from 1 ms to 2.5 s; each histogram extends them at its ends. */
const BUCKETS_TO_2_5S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** `type.googleapis.com/envoy.config.cluster.v3.Cluster` -> `cds`. */
export function typeLabel(typeUrl: string): XdsTypeLabel {
  if (typeUrl.endsWith('.Cluster')) return 'cds';
  if (typeUrl.endsWith('.ClusterLoadAssignment')) return 'eds';
  if (typeUrl.endsWith('.Listener')) return 'lds';
  if (typeUrl.endsWith('.RouteConfiguration')) return 'rds';
  if (typeUrl.endsWith('.Secret')) return 'sds';
  return 'other';
}
