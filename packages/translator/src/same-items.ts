import type { ReportItem } from './translation-report.js';

/** The same objects in the same order (how an incremental translator sees "unchanged input"). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameReportItem(a: ReportItem, b: ReportItem): boolean {
  return a === b || (a.kind === b.kind && a.name === b.name && a.path === b.path && a.severity === b.severity && a.reason === b.reason);
}

/** Report lists with equal items in the same order. */
export function sameReport(a: readonly ReportItem[], b: readonly ReportItem[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameReportItem(a[i]!, b[i]!)) return false;
  return true;
}
