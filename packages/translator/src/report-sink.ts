import type { ReportItem, ReportSeverity } from './translation-report.js';
import type { XdsKind } from './xds-resources.js';

/**
 * Collects report items about one resource. Repeated issues of the same kind (e.g. one per
 * endpoint) are folded into a single item that names the first path and counts the rest, so a
 * 10,000-endpoint assignment cannot flood the report.
 */
export class ReportSink {
  private folded: Map<string, { item: ReportItem; more: number }> | undefined;

  constructor(
    private readonly out: ReportItem[],
    readonly kind: XdsKind,
    readonly name: string,
  ) {}

  add(path: string, severity: ReportSeverity, reason: string): void {
    this.out.push({ kind: this.kind, name: this.name, path, severity, reason });
  }

  /** Like add, but items with the same `code` collapse into one ("… and N more"). */
  fold(code: string, path: string, severity: ReportSeverity, reason: string): void {
    this.folded ??= new Map();
    const seen = this.folded.get(code);
    if (seen) {
      seen.more++;
      return;
    }
    const item: ReportItem = { kind: this.kind, name: this.name, path, severity, reason };
    this.folded.set(code, { item, more: 0 });
    this.out.push(item);
  }

  /** Appends the "and N more" counts to folded items; call once when the resource is done. */
  finish(): void {
    if (!this.folded) return;
    for (const { item, more } of this.folded.values()) {
      if (more > 0) item.reason += ` (and ${more} more like it)`;
    }
    this.folded = undefined;
  }
}
