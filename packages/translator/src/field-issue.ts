import type { ReportSeverity } from './translation-report.js';

/** A problem with one field, before it is attached to a resource in the report. */
export interface FieldIssue {
  /** Proto field path, relative to the resource (`virtual_hosts[0].routes[1].match.grpc`). */
  readonly path: string;
  readonly severity: ReportSeverity;
  readonly reason: string;
}
