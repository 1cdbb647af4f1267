import { performance } from 'node:perf_hooks';
import type { Storage } from '@amesh/storage';
import { RESOURCE_KINDS, StorageValidationError } from '@amesh/storage';
import type { ApisixConfig, TranslateResult, TranslationReport, XdsRefs } from '@amesh/translator';
import type { XdsSnapshot } from '@amesh/transport';
import type { Logger } from 'pino';
import { typeLabel, type SidecarMetrics } from '../observability/sidecar-metrics.js';
import { diffConfig, WrittenIndex } from './config-diff.js';

export interface SyncPipelineDeps {
  storage: Storage;
  translate: (xds: XdsRefs) => TranslateResult;
  metrics: SidecarMetrics;
  log: Logger;
  /** Called after each successful apply (e.g. to compact the heap after a large one). */
  onApplied?: (applied: { changes: number; first: boolean }) => void;
}

/** What the last successful apply wrote, for /status and the debug endpoints. */
export interface AppliedInfo {
  at: number;
  /** xDS versions of the snapshot whose translation is now in storage. */
  versions: XdsSnapshot['versions'];
  changes: number;
}

export interface PipelineError {
  at: number;
  stage: 'translate' | 'apply' | 'guard' | 'internal';
  message: string;
}

/**
 * Snapshot -> translate -> diff against what was last written -> storage.apply. One apply at a
 * time; snapshots that arrive meanwhile are coalesced (the latest wins). On any failure the last
 * written state stays the baseline, so nothing is lost and nothing half-known is published.
 */
export class SyncPipeline {
  private written: WrittenIndex;
  private pending: { snapshot: XdsSnapshot; arrivals: number[] } | undefined;
  private running: Promise<void> | undefined;
  private lastVersions: XdsSnapshot['versions'] = {};
  private idleWaiters: (() => void)[] = [];
  private _ready = false;
  private _snapshot: XdsSnapshot | undefined;
  private _appliedSnapshot: XdsSnapshot | undefined;
  private _report: TranslationReport = [];
  private _applied: AppliedInfo | undefined;
  private _lastError: PipelineError | undefined;
  private _applies = 0;

  constructor(
    private readonly deps: SyncPipelineDeps,
    /** What storage holds at start (readAll): a restart resumes from it instead of from nothing. */
    baseline: WrittenIndex,
  ) {
    this.written = baseline;
    this.updateResourceGauges();
  }

  /** Takes a consistent snapshot; returns at once. */
  submit(snapshot: XdsSnapshot): void {
    const now = performance.now();
    this.countPushes(snapshot);
    this._snapshot = snapshot;
    if (this.pending) {
      this.deps.metrics.snapshots.inc({ outcome: 'coalesced' });
      this.pending = { snapshot, arrivals: [...this.pending.arrivals, now] };
    } else {
      this.pending = { snapshot, arrivals: [now] };
    }
    this.deps.metrics.snapshots.inc({ outcome: 'received' });
    if (!this.running) this.running = this.drain();
  }

  /** Resolves when no snapshot is waiting and no apply is running. */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** True once the first complete snapshot has been written (even when it changed nothing). */
  get ready(): boolean {
    return this._ready;
  }
  /** The newest snapshot received (possibly not yet applied). */
  get snapshot(): XdsSnapshot | undefined {
    return this._snapshot;
  }
  /** The snapshot whose translation is in storage now. */
  get appliedSnapshot(): XdsSnapshot | undefined {
    return this._appliedSnapshot;
  }
  get report(): TranslationReport {
    return this._report;
  }
  get applied(): AppliedInfo | undefined {
    return this._applied;
  }
  get lastError(): PipelineError | undefined {
    return this._lastError;
  }
  get applies(): number {
    return this._applies;
  }
  get busy(): boolean {
    return this.running !== undefined;
  }
  /** The APISIX objects as last written. */
  get writtenState(): WrittenIndex {
    return this.written;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const { snapshot, arrivals } = this.pending;
        this.pending = undefined;
        try {
          await this.process(snapshot, arrivals);
        } catch (err) {
          // A bug must not stop the loop: later snapshots still get their chance.
          this.fail('internal', errorMessage(err));
        }
      }
    } finally {
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async process(snapshot: XdsSnapshot, arrivals: number[]): Promise<void> {
    const { metrics, log } = this.deps;
    if (isEmptySnapshot(snapshot.resources) && this.written.size > 0) {
      // A control plane never sends a sidecar nothing at all (Istio always has Passthrough/BlackHole
      // clusters): an empty world is a source that lost its state, and publishing it would take the
      // pod offline. Deleting a part of the mesh is fine; deleting all of it is refused.
      this.fail('guard', 'snapshot has no listeners and no clusters; keeping the last written configuration');
      return;
    }
    let result: TranslateResult;
    const t0 = performance.now();
    try {
      result = this.deps.translate(snapshot.resources);
    } catch (err) {
      this.fail('translate', errorMessage(err));
      return;
    }
    const t1 = performance.now();
    metrics.translateSeconds.observe((t1 - t0) / 1000);
    if (isEmptyConfig(result.config) && this.written.size > 0) {
      // Same reason, one step later: a control plane that lost its state may first withdraw the
      // clusters and leave listeners whose routes then all drop. Never publish "nothing".
      this.fail('guard', 'the snapshot translates to an empty configuration; keeping the last written configuration');
      return;
    }
    let { changes, next } = diffConfig(this.written, result.config);
    let refused: StorageValidationError | undefined;
    if (changes.length > 0) {
      try {
        await this.deps.storage.apply(changes);
      } catch (err) {
        metrics.storageErrors.inc();
        if (!(err instanceof StorageValidationError)) {
          this.fail('apply', errorMessage(err));
          return;
        }
        // Storage wrote the valid objects and refused the others: the baseline is what was written.
        refused = err;
        const bad = new Set(err.invalid.map((i) => `${i.kind}/${i.id}`));
        changes = changes.filter((c) => !bad.has(`${c.kind}/${c.id}`));
        next = this.written.withChanges(changes);
      }
    }
    const t2 = performance.now();
    metrics.applySeconds.observe((t2 - t1) / 1000);
    for (const c of changes) metrics.changes.inc({ op: c.op, kind: c.kind });
    for (const a of arrivals) metrics.convergenceSeconds.observe((t2 - a) / 1000);
    this.written = next;
    // The incremental translator hands back the same list when the report did not change.
    const reportChanged = result.report !== this._report;
    this._report = result.report;
    this._appliedSnapshot = snapshot;
    this._applied = { at: Date.now(), versions: snapshot.versions, changes: changes.length };
    this._applies++;
    this._lastError = undefined;
    if (refused) this.fail('apply', refused.message);
    this.updateResourceGauges();
    if (reportChanged) this.updateReportGauges();
    const first = !this._ready;
    if (first) {
      this._ready = true;
      metrics.ready.set(1);
      log.info({ objects: this.written.size, report: result.report.length }, 'first complete snapshot written; ready');
    }
    log.debug(
      { changes: changes.length, translateMs: round(t1 - t0), applyMs: round(t2 - t1), versions: snapshot.versions },
      'snapshot applied',
    );
    this.deps.onApplied?.({ changes: changes.length, first });
  }

  private fail(stage: PipelineError['stage'], message: string): void {
    this._lastError = { at: Date.now(), stage, message };
    this.deps.log.error({ stage, err: message }, 'snapshot not (fully) applied; keeping the last written configuration');
  }

  private countPushes(snapshot: XdsSnapshot): void {
    for (const [typeUrl, version] of Object.entries(snapshot.versions)) {
      if (version !== undefined && this.lastVersions[typeUrl as keyof XdsSnapshot['versions']] !== version) {
        this.deps.metrics.pushes.inc({ type: typeLabel(typeUrl) });
      }
    }
    this.lastVersions = { ...snapshot.versions };
  }

  private updateResourceGauges(): void {
    for (const kind of RESOURCE_KINDS) this.deps.metrics.resources.set({ kind }, this.written.count(kind));
  }

  private updateReportGauges(): void {
    const counts = { dropped: 0, approximated: 0, ignored: 0 };
    for (const item of this._report) counts[item.severity]++;
    for (const [severity, n] of Object.entries(counts)) this.deps.metrics.reportItems.set({ severity }, n);
  }
}

function isEmptySnapshot(r: XdsRefs): boolean {
  return r.listeners.length === 0 && r.clusters.length === 0;
}

function isEmptyConfig(c: ApisixConfig): boolean {
  return RESOURCE_KINDS.every((k) => c[k].length === 0);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
